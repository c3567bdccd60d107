"""What a stopped process left in the data folder (unpacked work folders, files the content
store was writing) is removed by a sweep; what a live process holds is kept."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cartable.audit.models import AuditEvent
from cartable.jobs import runner
from cartable.jobs.models import Job
from cartable.jobs.sweep import sweep
from tests.conftest import signed_in
from tests.test_import_course import page_course
from tests.test_import_web import upload

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
    assert event.details == {"folders": 2, "incoming": 1, "uploads": 0, "files": 5, "bytes": 3600}


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


# A request's process receiving a large upload (Django's upload handler, as the server sets it)
# or keeping one for a job, that says where, then dies or waits to be told.
UPLOADER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "cartable.settings"
    django.setup()
    from django.core.files.uploadhandler import load_handler
    from cartable.lib import scratch
    imports, mode = Path(sys.argv[1]), sys.argv[2]
    handler = load_handler("cartable.jobs.uploads.LockedTemporaryFileUploadHandler")
    handler.new_file("file", "cours.mbz", "application/zip", None)
    handler.receive_data_chunk(b"z" * 700, 0)
    receiving = handler.file_complete(700)
    imports.mkdir(exist_ok=True)
    fd, kept = scratch.locked_temp_file(imports, "upload-", ".upload")
    os.write(fd, b"k" * 300)
    print(receiving.temporary_file_path(), kept, flush=True)
    if mode == "live":
        sys.stdin.read()
    os._exit(0)
    """
)


def _upload(settings, mode: str) -> tuple[subprocess.Popen[str], Path, Path]:
    env = {**os.environ, "CARTABLE_HOME": str(settings.HOME)}
    env.pop("DATABASE_URL", None)
    uploader = subprocess.Popen(
        [sys.executable, "-c", UPLOADER, str(settings.HOME / "imports"), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    receiving, kept = (Path(name) for name in uploader.stdout.readline().split())  # type: ignore[union-attr]
    return uploader, receiving, kept


@pytest.mark.django_db
def test_it_removes_the_uploads_of_a_request_that_died_before_its_job(settings) -> None:
    uploader, receiving, kept = _upload(settings, "die")
    uploader.wait()
    assert receiving.parent == settings.TMP_ROOT and receiving.name.endswith(".upload")
    assert receiving.stat().st_size == 700 and kept.stat().st_size == 300

    swept = sweep()

    assert not receiving.exists() and not kept.exists()
    assert (swept.entries, swept.bytes) == (2, 1000)


@pytest.mark.django_db
def test_it_keeps_the_uploads_a_live_request_holds(settings) -> None:
    uploader, receiving, kept = _upload(settings, "live")
    try:
        assert sweep().entries == 0
        assert receiving.stat().st_size == 700 and kept.stat().st_size == 300
    finally:
        uploader.communicate("")
    assert sweep().entries == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "kept"),
    [
        (Job.Status.QUEUED, True),
        (Job.Status.RUNNING, True),
        (Job.Status.SUCCEEDED, False),
        (Job.Status.FAILED, False),
    ],
)
def test_it_keeps_an_upload_while_a_waiting_or_running_job_names_it(
    settings, status: str, kept: bool
) -> None:
    folder = settings.HOME / "imports"
    folder.mkdir()
    named, unnamed = folder / "named.upload", folder / "unnamed.upload"
    named.write_bytes(b"a course")
    unnamed.write_bytes(b"nobody's")
    Job.objects.create(kind="import_course", status=status, payload={"path": str(named)})

    swept = sweep()

    assert named.exists() is kept
    assert not unnamed.exists()
    assert swept.entries == (1 if kept else 2)


@pytest.mark.django_db
@pytest.mark.parametrize("in_memory", [True, False])
def test_a_web_upload_is_kept_for_its_job_then_removed_by_it(
    staff, tmp_path: Path, settings, in_memory: bool
) -> None:
    if not in_memory:  # streamed to a temporary file by the upload handler, then moved
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1
    upload(signed_in(staff), page_course().build(tmp_path / "c.mbz"))
    path = Path(Job.objects.get().payload["path"])
    assert path.parent.name == "imports" and path.name.endswith(".upload")
    assert list(settings.TMP_ROOT.glob("upload-*")) == []  # nothing left where it streamed

    assert sweep().entries == 0
    assert path.is_file()

    assert runner.run_pending() == 1
    assert Job.objects.get().status == Job.Status.SUCCEEDED
    assert not path.exists()
