"""On the hub, a box's learners matched to their university accounts from a CSV file: every bad
line named and nothing written, or every line written; audited."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cartable.audit.models import AuditEvent
from cartable.exchange.matching import Match, MatchError, parse
from cartable.exchange.models import Learner, Peer
from cartable.exchange.wire.keys import PrivateIdentity


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("box_username,username\nLea,lea.moreau\n", [Match("lea", "lea.moreau")]),
        (
            "\ufeffbox_username,idnumber,email\n omar , 2024002 ,omar@univ.fr\n",
            [Match("omar", "", "2024002", "omar@univ.fr")],
        ),
    ],
)
def test_it_reads_a_matching_file(text: str, matches: list[Match]) -> None:
    assert parse(text) == matches


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("username\nlea\n", [(1, "columns", "username")]),
        ("", [(1, "columns", "")]),
        ("box_username,username\nlea,\n,x\n", [(2, "missing", "lea"), (3, "missing", "")]),
        ("box_username,username\nlea,a\nLEA,b\n", [(3, "repeated", "lea")]),
        ("box_username,idnumber\nlea," + "9" * 101 + "\n", [(2, "long", "idnumber")]),
    ],
)
def test_it_names_every_bad_line(text: str, problems: list) -> None:
    with pytest.raises(MatchError) as error:
        parse(text)
    assert error.value.problems == problems


@pytest.fixture
def box(db) -> Peer:
    key = PrivateIdentity.generate().public
    return Peer.objects.create(
        name="box-caen",
        role="box",
        signing_key=key.signing.hex(),
        encryption_key=key.encryption.hex(),
        fingerprint=key.fingerprint,
    )


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue()


def test_the_command_matches_and_rematches(box: Peer, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    path = tmp_path / "m.csv"
    path.write_text("box_username,username\nlea,lea.m\nomar,omar.h\n")
    assert "Matched 2 learners of box-caen." in run("learners", "--box", "box-caen", str(path))
    path.write_text("box_username,username\nlea,lea.moreau\n")
    run("learners", "--box", "box-caen", str(path))
    assert dict(Learner.objects.values_list("box_username", "username")) == {
        "lea": "lea.moreau",
        "omar": "omar.h",
    }
    assert AuditEvent.objects.filter(action="exchange.learners_matched").count() == 2


def test_the_command_refuses_a_bad_file_whole(box: Peer, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    path = tmp_path / "m.csv"
    path.write_text("box_username,username\nlea,lea.m\nlea,x\n")
    with pytest.raises(CommandError, match=re.escape("Line 3: “lea” is matched twice.")):
        run("learners", "--box", "box-caen", str(path))
    assert not Learner.objects.exists()
    with pytest.raises(CommandError, match="No box named “nowhere”"):
        run("learners", "--box", "nowhere", str(path))
