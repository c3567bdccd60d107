"""An apply interrupted anywhere (a crash, a pulled stick) leaves no trace, and running it again
ends in the state of one clean apply; the command line writes, applies and lists bundles."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from cartable.catalog import blobs
from cartable.exchange import actions
from cartable.exchange.models import Exchange, Peer, ReceivedEntry
from cartable.exchange.wire.bundle import file_sha256
from cartable.outbox.actions import add
from cartable.outbox.models import Entry

pytestmark = pytest.mark.django_db


class Crash(Exception):
    pass


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


@pytest.fixture
def bundle_file(peers, course, learner, stick: Path) -> Path:
    hub, _box = peers
    for number in range(3):
        blob = blobs.add(io.BytesIO(b"%PDF-1.4 devoir " + bytes([number])))
        with transaction.atomic():
            add(
                "submission",
                course=course,
                user=learner,
                payload={"files": [{"filename": "d.pdf", "sha256": blob.sha256, "size": 1}]},
            )
    path = stick / "work-1"
    actions.export(actor=None, peer=hub, kind="work", destination=path)
    return path


def state(box: Peer) -> tuple:
    box.refresh_from_db()
    return (
        box.next_in,
        sorted(ReceivedEntry.objects.filter(peer=box).values_list("entry_id", "ack_pending")),
        Exchange.objects.filter(peer=box, direction="in", result="done").count(),
    )


# Where the apply is made to fail: (path from the actions module, function, at which call).
CRASH_POINTS = [
    ((), "_Stream", 2),  # while storing the second submitted file
    (("Blob", "objects"), "get_or_create", 2),  # after one file's row
    ((), "_receive", 1),  # keeping the entries
    ((), "record", 1),  # the audit row
    (("Exchange", "objects"), "create", 1),  # the history row
]


@pytest.mark.parametrize(("path", "name", "after"), CRASH_POINTS)
def test_a_crash_while_applying_leaves_nothing_and_a_second_run_completes(
    sides, peers, bundle_file: Path, monkeypatch, settings, tmp_path: Path,
    path: tuple, name: str, after: int,
) -> None:  # fmt: skip
    _hub, box = peers
    settings.CONTENT_ROOT = tmp_path / "hub-content"  # the hub's own content store
    before = state(box)
    owner = actions
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= after:
            raise Crash(name)
        return original(*args, **kwargs)

    with sides.on("hub"):
        monkeypatch.setattr(owner, name, crashing)
        with pytest.raises(Crash):
            actions.apply(actor=None, path=bundle_file)
        assert state(box) == before
        monkeypatch.setattr(owner, name, original)
        actions.apply(actor=None, path=bundle_file)
        assert actions.apply(actor=None, path=bundle_file).again
    sent = sorted(Entry.objects.values_list("pk", flat=True))
    assert len(sent) == 3
    assert len(list(blobs.store())) == 3
    assert state(box) == (2, [(pk, True) for pk in sent], 1)


def test_a_stick_pulled_mid_copy_is_refused_then_the_full_copy_applies(
    sides, peers, bundle_file: Path, stick: Path
) -> None:
    _hub, box = peers
    half = stick / "half"
    half.write_bytes(bundle_file.read_bytes()[: bundle_file.stat().st_size // 2])
    with sides.on("hub"):
        with pytest.raises(CommandError, match="incomplete"):
            call_command("exchange", "import", str(half), stdout=io.StringIO())
        out = io.StringIO()
        call_command("exchange", "import", str(bundle_file), stdout=out)
    assert "Applied bundle 1 from box-caen: 3 entries, 3 files." in out.getvalue()
    assert state(box)[0] == 2


def test_the_command_line_exports_and_lists_the_history(
    sides, peers, course, learner, stick: Path
) -> None:
    with transaction.atomic():
        add("completion", course=course, user=learner, payload={"state": "complete"})
    out = io.StringIO()
    call_command("exchange", "export", "--to", "hub-lille", str(stick / "w"), stdout=out)
    assert "Wrote bundle 1 for hub-lille: 1 entries, 0 files" in out.getvalue()
    with pytest.raises(CommandError, match="No peer named “nobody”"):
        call_command("exchange", "export", "--to", "nobody", str(stick / "x"))
    with pytest.raises(CommandError, match="exists already"):
        call_command("exchange", "export", "--to", "hub-lille", str(stick / "w"))
    history = io.StringIO()
    call_command("exchange", "history", stdout=history)
    line = history.getvalue().rstrip("\n").split("\t")
    assert line[1:5] == ["out", "hub-lille", "work", "1"]
    assert line[-2] == "done"


def test_the_hub_writes_the_received_records_as_xapi_statements(
    sides, peers, course, learner, other_learner, stick: Path, tmp_path: Path
) -> None:
    import json

    activity = course.activities.first()
    activity.source_key = "page-77"
    activity.save(update_fields=["source_key"])
    with transaction.atomic():
        add("completion", course=course, activity=activity, user=learner, payload={
            "completed": True, "at": "2026-12-02T10:00:00+00:00",
        })  # fmt: skip
    with transaction.atomic():
        add("completion", course=course, activity=activity, user=other_learner, payload={
            "completed": True, "at": "2026-12-02T10:00:00+00:00",
        })  # fmt: skip
    actions.export(actor=None, peer=peers[0], kind="work", destination=stick / "w1")
    matches = tmp_path / "comptes.csv"
    matches.write_text("box_username,username,idnumber\nLEA,lea.moreau,2024001\n")
    with sides.on("hub"):
        actions.apply(actor=None, path=stick / "w1")
        out = io.StringIO()
        call_command("exchange", "learners", "--box", "box-caen", str(matches), stdout=out)
        assert "Matched 1 learners of box-caen." in out.getvalue()
        out = io.StringIO()
        call_command(
            "exchange", "xapi", "--from", "box-caen", "--site", "https://moodle.univ.fr",
            str(tmp_path / "records.jsonl"), stdout=out,
        )  # fmt: skip
    assert "Wrote 1 statements" in out.getvalue()
    assert "1 records of learners not matched" in out.getvalue()
    (made,) = [json.loads(line) for line in (tmp_path / "records.jsonl").read_text().splitlines()]
    assert made["actor"]["account"] == {
        "homePage": "https://moodle.univ.fr",
        "name": "lea.moreau",
    }
    assert made["object"]["id"] == "https://moodle.univ.fr/mod/page/view.php?id=77"
    with pytest.raises(CommandError, match="No box named"):
        call_command("exchange", "xapi", "--from", "hub-lille", "--site", "x", str(tmp_path / "y"))


class _RolledBack(Exception):
    pass


def test_a_bundle_put_in_place_by_an_export_that_died_before_recording_it_is_written_again(
    sides, peers, course, learner, stick: Path
) -> None:
    hub, _box = peers
    translation.activate("en")
    with transaction.atomic():
        add("completion", course=course, user=learner, payload={"state": "complete"})
    target = stick / "w"
    # The file renamed into place, then the transaction lost (as a kill before the commit).
    with pytest.raises(_RolledBack), transaction.atomic():
        actions.export(actor=None, peer=hub, kind="work", destination=target)
        raise _RolledBack
    assert target.is_file() and not Exchange.objects.exists()

    done = actions.export(actor=None, peer=hub, kind="work", destination=target)

    assert (done.sequence, done.entries) == (1, 1)
    assert done.sha256 == file_sha256(target)
    with pytest.raises(actions.Refused, match="exists already"):  # recorded now: it stands
        actions.export(actor=None, peer=hub, kind="work", destination=target)
    other = stick / "other"
    other.write_bytes(b"not a bundle")
    with pytest.raises(actions.Refused, match="exists already"):  # nobody's bundle: kept
        actions.export(actor=None, peer=hub, kind="work", destination=other)
    assert other.read_bytes() == b"not a bundle"
