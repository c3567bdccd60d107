"""Progress of `cartable exchange export` and `import`: a line on stderr when it is a terminal
(bytes written, checked, applied), nothing at all when it is not (a script, a log file)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import translation

from cartable.catalog import blobs
from cartable.exchange.models import Exchange
from cartable.exchange.progress import Bar
from cartable.outbox.actions import add

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def english(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("LANGUAGE", "en")
    with translation.override("en"):
        yield


def _work(course, learner, size: int) -> None:
    stored = blobs.add(io.BytesIO(b"%PDF-1.4 " + b"x" * size))
    with transaction.atomic():
        add(
            "submission",
            course=course,
            user=learner,
            payload={
                "text": "Ma lettre",
                "files": [{"filename": "f.pdf", "sha256": stored.sha256, "size": stored.size}],
            },
        )


def _run(*args: str, err: io.StringIO) -> str:
    out = io.StringIO()
    call_command("exchange", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_nothing_but_the_result_when_stderr_is_not_a_terminal(
    sides, peers, course, learner, stick: Path
) -> None:
    _work(course, learner, 300_000)
    path = stick / "work-1.cartable"
    err = io.StringIO()
    out = _run("export", "--to", "hub-lille", str(path), err=err)
    assert out.startswith("Wrote bundle 1 for hub-lille")
    assert err.getvalue() == ""
    with sides.on("hub"):
        out = _run("import", str(path), err=err)
    assert out.startswith("Applied bundle 1 from box-caen")
    assert err.getvalue() == ""


def test_a_terminal_sees_bytes_written_checked_and_applied(
    sides, peers, course, learner, stick: Path
) -> None:
    _work(course, learner, 300_000)
    path = stick / "work-1.cartable"
    err = Terminal()
    out = _run("export", "--to", "hub-lille", str(path), err=err)
    assert out.startswith("Wrote bundle 1 for hub-lille")  # stdout unchanged
    lines = err.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == 2  # one stage, its line ended
    assert lines[0].startswith("\rWriting [")
    size = Exchange.objects.get().size
    assert lines[0].endswith(f"] 100 % {size / 1e6:.1f}/{size / 1e6:.1f} MB")
    assert lines[0].count("\r") > 3  # redrawn as it goes, not once at the end

    err = Terminal()
    with sides.on("hub"):
        out = _run("import", str(path), err=err)
    assert out.startswith("Applied bundle 1 from box-caen")
    checked, applied, end = err.getvalue().split("\n")
    assert checked.startswith("\rChecking [") and checked.endswith("] 100 % 0.3/0.3 MB")
    # The file was in the content store already (one database for both sides): full anyway.
    assert applied.startswith("\rApplying [") and applied.endswith("] 100 % 0.3/0.3 MB")
    assert end == ""


def test_a_refused_import_ends_its_line_before_the_error(
    sides, peers, course, learner, stick: Path
) -> None:
    from django.core.management.base import CommandError

    _work(course, learner, 1000)
    path = stick / "work-1.cartable"
    _run("export", "--to", "hub-lille", str(path), err=io.StringIO())
    data = bytearray(path.read_bytes())
    data[-5] ^= 1  # the last chunk altered: found while checking
    path.write_bytes(bytes(data))
    err = Terminal()
    with sides.on("hub"), pytest.raises(CommandError, match="altered after it was signed"):
        _run("import", str(path), err=err)
    assert err.getvalue().startswith("\rChecking [")
    assert err.getvalue().endswith("\n")
    assert "Applying" not in err.getvalue()


def test_the_bar_redraws_only_when_its_percentage_changes() -> None:
    drawn: list[str] = []
    bar = Bar(drawn.append, lambda: None, {"written": "Writing"})
    for done in range(0, 1001):
        bar("written", done, 1000)
    bar.close()
    assert len(drawn) == 101 + 1  # 0 % to 100 %, then the end of the line
    assert drawn[0] == "\rWriting [........................]   0 % 0.0/0.0 MB"
    assert drawn[-2] == "\rWriting [########################] 100 % 0.0/0.0 MB"
    assert drawn[-1] == "\n"
    bar.close()  # nothing more
    assert len(drawn) == 102
