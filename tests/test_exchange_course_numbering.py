"""The migration that numbers course bundles on their own (exchange 0006): each peer's course
numbering goes on past the course bundles written or applied before, and a box whose strict
numbering waited on a course bundle it refused (applied past, before) now waits no more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("exchange", "0005_box_account_merged")]
AFTER = [("exchange", "0006_course_sequence")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_course_bundles_numbered_before_keep_their_order() -> None:
    apps = migrate(BEFORE)
    try:
        Peer = apps.get_model("exchange", "Peer")
        Exchange = apps.get_model("exchange", "Exchange")
        box = Peer.objects.create(
            name="box-caen", role="box", signing_key="a", encryption_key="b", fingerprint="F1",
            next_out=5,
        )  # fmt: skip
        hub = Peer.objects.create(
            name="hub-lille", role="hub", signing_key="c", encryption_key="d", fingerprint="F2",
            next_in=3,
        )  # fmt: skip
        for sequence, kind in [(1, "ack"), (2, "course"), (3, "feedback"), (4, "course")]:
            Exchange.objects.create(
                direction="out", peer=box, kind=kind, sequence=sequence, result="done"
            )
        Exchange.objects.create(direction="in", peer=hub, kind="course", sequence=2, result="done")
        for sequence in (3, 4):  # refused for files it lacked: the next expected is past them
            Exchange.objects.create(
                direction="in", peer=hub, kind="course", sequence=sequence, result="refused",
                code="course_missing_files",
            )  # fmt: skip
        apps = migrate(AFTER)
        Peer = apps.get_model("exchange", "Peer")
        box, hub = Peer.objects.get(name="box-caen"), Peer.objects.get(name="hub-lille")
        assert (box.next_out, box.next_course_out, box.course_in) == (5, 5, 0)
        assert (hub.next_in, hub.course_in, hub.next_course_out) == (5, 2, 1)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
