"""A harness for crash tests: run real `cartable` processes on a data folder of their own,
make one die by SIGKILL at a named point (``CARTABLE_CRASH_AT``, see ``cartable.lib.crash``),
let the box recover, and compare what it holds with one clean run. Used by tests/test_crash.py
and bench/crash.py; the exchange's bundle apply is to reuse it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "fixtures" / "mbz").glob("*.mbz"))
IMPORT_POINTS = (
    "start",
    "unpacked",
    "storing",
    "stored",
    "before_commit",
    "indexing",
    "after_commit",
)

# What a course import leaves in the database, without ids, times or anything else that two
# clean runs would not share.
DUMP = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
django.setup()
from cartable.catalog.models import Activity, Blob, Course, CourseFile, Section
from cartable.ingest.models import Revision
from cartable.jobs.models import FollowUp, Job
from cartable.search.models import Entry, FileText

def rows(queryset, *fields):
    return sorted(map(list, queryset.values_list(*fields)), key=repr)

print(json.dumps({
    "courses": rows(Course.objects, "shortname", "title", "status", "source_id", "summary"),
    "sections": rows(Section.objects, "course__shortname", "title", "position", "summary"),
    "activities": rows(
        Activity.objects, "course__shortname", "source_key", "kind", "title", "fingerprint",
        "review_status", "section__position", "position", "blob_id", "retired_at",
    ),
    "files": rows(CourseFile.objects, "course__shortname", "filename", "blob_id"),
    "blobs": rows(Blob.objects, "sha256", "size"),
    "revisions": Revision.objects.count(),
    "entries": rows(Entry.objects, "course__shortname", "kind", "title", "text", "restricted"),
    "file_texts": rows(FileText.objects, "blob_id", "text"),
    "follow_ups": FollowUp.objects.count(),
    "jobs_unfinished": Job.objects.exclude(status__in=["succeeded", "failed"]).count(),
}, default=str))
"""


def environment(home: Path, crash_at: str | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CARTABLE_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env["CARTABLE_HOME"] = str(home)
    if crash_at:
        env["CARTABLE_CRASH_AT"] = crash_at
    return env


def cartable(
    home: Path, *args: str, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cartable", *args],
        env=environment(home, crash_at),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


def dump(home: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", DUMP],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def content_files(home: Path) -> list[str]:
    return sorted(path.name for path in (home / "content").glob("??/??/*"))


def leftovers(home: Path) -> list[str]:
    """Temporary files still there: work folders and incoming blobs."""
    found = [str(path) for path in (home / "tmp").glob("*")] if (home / "tmp").exists() else []
    found += [str(path) for path in (home / "content").glob(".incoming-*")]
    return sorted(found)


@dataclass
class Outcome:
    point: str
    killed: bool  # the process died by SIGKILL (the point was reached)
    problems: list[str]


def crash_and_recover(home: Path, backup: Path, point: str, clean: dict[str, object]) -> Outcome:
    """Import ``backup`` into the fresh data folder ``home``, killed at ``point``; recover
    (the next import sweeps, does what was left after a commit, and imports again); compare
    with ``clean``, the dump of one clean import of the same file."""
    problems: list[str] = []
    crashed = cartable(home, "import", str(backup), crash_at=point)
    killed = crashed.returncode == -signal.SIGKILL
    if not killed and crashed.returncode != 0:
        problems.append(f"crashed run failed: {crashed.stderr[-2000:]}")
    again = cartable(home, "import", str(backup))
    if again.returncode != 0:
        problems.append(f"import after the crash failed: {again.stderr[-2000:]}")
    state = dump(home)
    for key, value in clean.items():
        if state.get(key) != value:
            problems.append(f"{key} differs from a clean import")
    if not state.get("entries"):
        problems.append("the search finds nothing")
    if left := leftovers(home):
        problems.append(f"temporary files remain: {left[:5]}")
    verify = cartable(home, "audit", "verify")
    if verify.returncode != 0:
        problems.append(f"audit verify failed: {verify.stdout[-500:]}{verify.stderr[-500:]}")
    return Outcome(point=point, killed=killed, problems=problems)


def clean_import(home: Path, backup: Path) -> dict[str, object]:
    done = cartable(home, "import", str(backup))
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return dump(home)


# A web upload's job, queued as the upload page queues it (the file kept in the imports folder).
ENQUEUE = """
import os, shutil, sys
from pathlib import Path
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
django.setup()
from django.conf import settings
from cartable.jobs import runner
folder = Path(settings.HOME) / "imports"
folder.mkdir(exist_ok=True)
kept = folder / "upload.upload"
shutil.copyfile(sys.argv[1], kept)
job = runner.enqueue("import_course", payload={
    "path": str(kept), "filename": Path(sys.argv[1]).name, "language": "en",
})
print(job.pk)
"""

JOB = """
import json, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
django.setup()
from cartable.jobs.models import Job
job = Job.objects.get()
print(json.dumps({"status": job.status, "attempts": job.attempts, "result": job.result}))
"""


def _script(home: Path, code: str, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=True,
    ).stdout


def crash_worker_and_recover(
    home: Path, backup: Path, point: str, clean: dict[str, object]
) -> tuple[Outcome, dict[str, object]]:
    """Queue a web import of ``backup`` in the fresh data folder ``home``, kill its worker at
    ``point``, start another worker (as the server does when none runs) and compare with
    ``clean``; also return the job as it ended."""
    problems: list[str] = []
    cartable(home, "migrate")  # the data folder made and migrated
    _script(home, ENQUEUE, str(backup))
    crashed = cartable(home, "worker", "--once", crash_at=point)
    killed = crashed.returncode == -signal.SIGKILL
    again = cartable(home, "worker", "--once")
    if again.returncode != 0:
        problems.append(f"the next worker failed: {again.stderr[-2000:]}")
    state = dump(home)
    for key, value in clean.items():
        if state.get(key) != value:
            problems.append(f"{key} differs from a clean import")
    if left := leftovers(home):
        problems.append(f"temporary files remain: {left[:5]}")
    if list((home / "imports").iterdir()):
        problems.append("the upload is still kept")
    verify = cartable(home, "audit", "verify")
    if verify.returncode != 0:
        problems.append(f"audit verify failed: {verify.stdout[-500:]}{verify.stderr[-500:]}")
    job: dict[str, object] = json.loads(_script(home, JOB))
    return Outcome(point=point, killed=killed, problems=problems), job
