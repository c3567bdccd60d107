"""A harness for crash tests: run real `cartable` processes on a data folder of their own,
make one die by SIGKILL at a named point (``CARTABLE_CRASH_AT``, see ``cartable.lib.crash``),
let the box recover, and compare what it holds with one clean run. Used by tests/test_crash.py
and bench/crash.py; the exchange's bundle apply is to reuse it."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests import forked
from tests.datafolders import migrated

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
    crash = {"CARTABLE_CRASH_AT": crash_at} if crash_at else {}
    return forked.environment(CARTABLE_HOME=str(home), **crash)


def cartable(
    home: Path, *args: str, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    return forked.run(["-m", "cartable", *args], env=environment(home, crash_at), cwd=ROOT)


def dump(home: Path) -> dict[str, object]:
    done = forked.run(["-c", DUMP], env=environment(home), cwd=ROOT, timeout=300, check=True)
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
    migrated(home)
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
    done = cartable(migrated(home), "import", str(backup))
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
    return forked.run(
        ["-c", code, *args], env=environment(home), cwd=ROOT, timeout=300, check=True
    ).stdout


def crash_worker_and_recover(
    home: Path, backup: Path, point: str, clean: dict[str, object]
) -> tuple[Outcome, dict[str, object]]:
    """Queue a web import of ``backup`` in the fresh data folder ``home``, kill its worker at
    ``point``, start another worker (as the server does when none runs) and compare with
    ``clean``; also return the job as it ended."""
    problems: list[str] = []
    migrated(home)  # the data folder made and migrated
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


# --- The exchange: a bundle's apply (and its writing), on two data folders ---------------------

APPLY_POINTS = (
    "apply_start",
    "apply_checked",
    "storing",
    "apply_stored",
    "apply_before_commit",
    "apply_after_commit",
)
EXPORT_POINTS = (
    "export_written",
    "export_before_commit",
    "export_renamed",
    "export_after_commit",
)
# An acknowledgement carries no file: nothing is stored, the storing points are not reached.
ACK_POINTS = tuple(point for point in APPLY_POINTS if point not in ("storing", "apply_stored"))

# The box's side: an institution's course, a learner and their work owed to the university,
# three entries naming submitted files (one file twice) and one without.
BOX_WORK = """
import io, os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
django.setup()
from django.db import transaction
from cartable.accounts.models import Establishment, Institution, Role, User
from cartable.catalog import blobs
from cartable.catalog.models import Course
from cartable.outbox.actions import add
institution = Institution.objects.create(slug="univ-lille", name="Université de Lille")
place = Establishment.objects.create(slug="maison-centrale", name="Maison centrale")
learner = User.objects.create(username="lea", role=Role.LEARNER, establishment=place)
course = Course.objects.create(institution=institution, shortname="HIST101", title="Histoire")
files = [blobs.add(io.BytesIO(b"%PDF-1.4 devoir " + bytes([n]) * 70000)) for n in range(2)]
for number, blob in enumerate([files[0], files[1], files[0]]):
    with transaction.atomic():
        add("submission", course=course, user=learner, payload={
            "files": [{"filename": f"devoir{number}.pdf", "sha256": blob.sha256,
                       "size": blob.size}],
        })
with transaction.atomic():
    add("completion", course=course, user=learner, payload={"state": "complete"})
"""

# What an exchange leaves in the database, without ids or times.
EXCHANGE_DUMP = """
import json, os
from collections import Counter
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
django.setup()
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Blob
from cartable.exchange.models import Exchange, Peer, ReceivedEntry, SentEntry
from cartable.outbox.models import Entry

def rows(queryset, *fields):
    return sorted(map(list, queryset.values_list(*fields)), key=repr)

print(json.dumps({
    "peers": rows(
        Peer.objects, "name", "role", "next_out", "next_in", "next_course_out", "course_in"
    ),
    "history": rows(
        Exchange.objects, "direction", "peer__name", "kind", "sequence", "result", "code",
        "entries", "files",
    ),
    "received": rows(
        ReceivedEntry.objects, "peer__name", "entry_id", "kind", "payload", "received_in",
        "ack_pending",
    ),
    "sent": rows(SentEntry.objects, "entry_id", "peer__name", "acknowledged_in"),
    "outbox": Entry.objects.count(),
    "blobs": rows(Blob.objects, "sha256", "size"),
    "audit": sorted(Counter(
        action for action in AuditEvent.objects.values_list("action", flat=True)
        if action.startswith("exchange.")
    ).items()),
}, default=str))
"""


def exchange_dump(home: Path) -> dict[str, object]:
    result: dict[str, object] = json.loads(_script(home, EXCHANGE_DUMP))
    return result


def _checked(done: subprocess.CompletedProcess[str]) -> str:
    if done.returncode != 0:
        raise RuntimeError(f"{done.args}: {done.stdout[-1000:]}{done.stderr[-2000:]}")
    return done.stdout


def _identity(home: Path) -> tuple[str, str]:
    """(fingerprint, public key), from the first two lines (in the box's language)."""
    lines = _checked(cartable(home, "exchange", "identity")).splitlines()
    return lines[0].split(": ", 1)[1], lines[1].split(": ", 1)[1]


@dataclass
class Exchange:
    """Data folders copied before each step of one clean exchange, and its bundles."""

    box: Path  # the box, its work owed, the hub registered
    hub: Path  # the hub, the box registered
    work: Path  # the box's first work bundle
    box_sent: Path  # the box once the work bundle is written
    hub_applied: Path  # the hub once it applied the work bundle
    ack: Path  # the hub's acknowledgement of it


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, symlinks=True)
    return target


def prepare_exchange(folder: Path) -> Exchange:
    """A box and a hub that know each other, the box's work bundle and the hub's
    acknowledgement, each step's data folder kept for the crash runs to start from."""
    box, hub, stick = folder / "box", folder / "hub", folder / "stick"
    stick.mkdir(parents=True)
    for home in (box, hub):
        migrated(home)
    _script(box, BOX_WORK)
    box_print, box_key = _identity(box)
    hub_print, hub_key = _identity(hub)
    _checked(cartable(
        box, "exchange", "peer", "add", "hub-lille", "--key", hub_key, "--fingerprint",
        hub_print, "--role", "hub", "--institution", "univ-lille",
    ))  # fmt: skip
    _checked(cartable(
        hub, "exchange", "peer", "add", "box-caen", "--key", box_key, "--fingerprint",
        box_print, "--role", "box",
    ))  # fmt: skip
    sent = _copy(box, folder / "box-sent")
    work = stick / "work-1"
    _checked(cartable(sent, "exchange", "export", "--to", "hub-lille", str(work)))
    applied = _copy(hub, folder / "hub-applied")
    _checked(cartable(applied, "exchange", "import", str(work)))
    ack = stick / "ack-1"
    _checked(cartable(applied, "exchange", "export", "--to", "box-caen", str(ack)))
    return Exchange(box=box, hub=hub, work=work, box_sent=sent, hub_applied=applied, ack=ack)


def exchange_leftovers(home: Path, *folders: Path) -> list[str]:
    """Temporary files still there: the data folder's and bundles written aside."""
    found = leftovers(home)
    for folder in folders:
        found += [str(path) for path in folder.glob(".cartable-*")]
    return sorted(found)


def clean_apply(start: Path, home: Path, bundle_file: Path) -> tuple[dict[str, object], list[str]]:
    """Apply ``bundle_file`` to a copy of the data folder ``start``, once: what it leaves."""
    _copy(start, home)
    _checked(cartable(home, "exchange", "import", str(bundle_file)))
    return exchange_dump(home), content_files(home)


def crash_apply_and_recover(
    start: Path,
    home: Path,
    bundle_file: Path,
    point: str,
    clean: tuple[dict[str, object], list[str]],
) -> Outcome:
    """Apply ``bundle_file`` to a copy of ``start`` in ``home``, killed at ``point``; apply it
    again (the next run sweeps what the dead one left); compare with ``clean``, one clean
    apply: the same rows, the same files (no orphan blob), nothing temporary left, the audit
    chain verified, and the same bundle once more changing nothing."""
    state, files = clean
    problems: list[str] = []
    _copy(start, home)
    crashed = cartable(home, "exchange", "import", str(bundle_file), crash_at=point)
    killed = crashed.returncode == -signal.SIGKILL
    if not killed and crashed.returncode != 0:
        problems.append(f"crashed run failed: {crashed.stderr[-2000:]}")
    again = cartable(home, "exchange", "import", str(bundle_file))
    if again.returncode != 0:
        problems.append(f"the apply after the crash failed: {again.stderr[-2000:]}")
    after = exchange_dump(home)
    problems += [f"{key} differs from a clean apply" for key in state if after[key] != state[key]]
    if content_files(home) != files:
        problems.append("the content store differs from a clean apply (orphan or missing blob)")
    if left := exchange_leftovers(home):
        problems.append(f"temporary files remain: {left[:5]}")
    verify = cartable(home, "audit", "verify")
    if verify.returncode != 0:
        problems.append(f"audit verify failed: {verify.stdout[-500:]}{verify.stderr[-500:]}")
    once_more = cartable(home, "exchange", "import", str(bundle_file))
    if once_more.returncode != 0:
        problems.append(f"the same bundle again failed: {once_more.stderr[-500:]}")
    if exchange_dump(home) != after:
        problems.append("the same bundle again changed the database")
    return Outcome(point=point, killed=killed, problems=problems)


def clean_export(start: Path, home: Path, stick: Path) -> dict[str, object]:
    _copy(start, home)
    stick.mkdir(parents=True)
    _checked(cartable(home, "exchange", "export", "--to", "hub-lille", str(stick / "work-1")))
    state = exchange_dump(home)
    return state


def crash_export_and_recover(
    prepared: Exchange,
    work: Path,
    point: str,
    clean: dict[str, object],
    hub_clean: tuple[dict[str, object], list[str]],
) -> Outcome:
    """Write the box's work bundle from a copy of the prepared box, killed at ``point``; write
    it again (refused if the dead run had recorded it); compare the box with one clean export, and
    check that the bundle on the stick is the one recorded: the hub applies it as the clean
    one (``hub_clean``)."""
    problems: list[str] = []
    home, stick = work / "box", work / "stick"
    _copy(prepared.box, home)
    stick.mkdir(parents=True)
    target = stick / "work-1"
    export = ("exchange", "export", "--to", "hub-lille", str(target))
    crashed = cartable(home, *export, crash_at=point)
    killed = crashed.returncode == -signal.SIGKILL
    if not killed and crashed.returncode != 0:
        problems.append(f"crashed run failed: {crashed.stderr[-2000:]}")
    recorded = exchange_dump(home) == clean
    again = cartable(home, *export)
    if recorded and again.returncode == 0:  # the dead run's bundle stands: not written twice
        problems.append("a bundle recorded by the dead run was written again")
    if not recorded and again.returncode != 0:
        problems.append(f"the export after the crash failed: {again.stderr[-2000:]}")
    if exchange_dump(home) != clean:
        problems.append("the box differs from a clean export")
    if left := exchange_leftovers(home, stick):
        problems.append(f"temporary files remain: {left[:5]}")
    verify = cartable(home, "audit", "verify")
    if verify.returncode != 0:
        problems.append(f"audit verify failed: {verify.stdout[-500:]}{verify.stderr[-500:]}")
    if target.exists():
        hub = work / "hub"
        _copy(prepared.hub, hub)
        applied = cartable(hub, "exchange", "import", str(target))
        if applied.returncode != 0:
            problems.append(f"the hub refused the bundle: {applied.stderr[-500:]}")
        if exchange_dump(hub) != hub_clean[0] or content_files(hub) != hub_clean[1]:
            problems.append("the hub applied the bundle into another state than a clean one")
    else:
        problems.append("no bundle was written")
    return Outcome(point=point, killed=killed, problems=problems)
