"""What a stopped process left in the data folder (unpacked work folders, files the content
store was writing) is removed by a sweep; what a live process holds is kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cartable.audit.models import AuditEvent
from cartable.jobs.sweep import sweep

# A process that makes a work folder with files in it and a file being written to the store,
# says so, then dies without cleaning up (``os._exit``, as a kill would), at once or when told.
MAKER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from cartable.lib import scratch
    tmp, content, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    content.mkdir(parents=True, exist_ok=True)
    held = scratch.workdir(tmp, "import-")
    folder = held.__enter__()
    for number in range(3):
        (folder / f"part{number}.xml").write_bytes(b"x" * 1000)
    fd, incoming = scratch.locked_temp_file(content, scratch.INCOMING_PREFIX)
    os.write(fd, b"y" * 500)
    print(folder, incoming, flush=True)
    if mode == "live":
        sys.stdin.read()
    os._exit(0)
    """
)


def _make(settings, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", MAKER, str(settings.TMP_ROOT), str(settings.CONTENT_ROOT), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db
def test_it_removes_what_a_dead_process_left_and_audits_the_space_freed(settings) -> None:
    maker = _make(settings, "die")
    folder, incoming = (Path(name) for name in maker.stdout.readline().split())  # type: ignore[union-attr]
    maker.wait()
    (settings.TMP_ROOT / "import-old").mkdir()  # an older box's folder, with no lock at all
    (settings.TMP_ROOT / "import-old" / "course.xml").write_bytes(b"z" * 100)
    assert folder.is_dir() and incoming.is_file()

    swept = sweep()

    assert not folder.exists() and not incoming.exists()
    assert not (settings.TMP_ROOT / "import-old").exists()
    assert list(settings.TMP_ROOT.iterdir()) == []
    assert (swept.entries, swept.files, swept.bytes) == (3, 5, 3 * 1000 + 500 + 100)
    event = AuditEvent.objects.get(action="box.temporary_files_removed")
    assert event.details == {"folders": 2, "incoming": 1, "files": 5, "bytes": 3600}


@pytest.mark.django_db
def test_it_keeps_what_a_live_process_holds(settings) -> None:
    maker = _make(settings, "live")
    try:
        folder, incoming = (Path(name) for name in maker.stdout.readline().split())  # type: ignore[union-attr]

        swept = sweep()

        assert swept.entries == 0
        assert len(list(folder.iterdir())) == 3 and incoming.stat().st_size == 500
        assert not AuditEvent.objects.filter(action="box.temporary_files_removed").exists()
    finally:
        maker.communicate("")
    # Gone with its process: the next sweep takes them.
    assert sweep().entries == 2
    assert not folder.exists() and not incoming.exists()


@pytest.mark.django_db
def test_it_logs_a_small_sweep_without_auditing_it(settings, caplog) -> None:
    settings.CONTENT_ROOT.mkdir(parents=True)
    (settings.CONTENT_ROOT / ".incoming-abc").write_bytes(b"half a file")

    assert sweep().bytes == 11

    assert "11 bytes freed" in caplog.text
    assert not AuditEvent.objects.filter(action="box.temporary_files_removed").exists()


@pytest.mark.django_db
def test_it_finds_nothing_to_remove_in_a_new_data_folder() -> None:
    assert sweep().entries == 0
