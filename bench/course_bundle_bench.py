"""Course bundles (hub → box) on a large course, through real `cartable` processes on two data
folders: the full course bundle's export and apply (seconds, MB/s, peak RSS of the process),
then the bundle for a one-file change, as a ratio of the full one.

    .venv/bin/python bench/course_bundle_bench.py --size-mb 1024 --files 256

The hub's course is made in its database (a section, ``--files`` page activities each with one
file of ``size-mb / files`` MB of random bytes, streamed into the content store) rather than
imported: the import is measured by bench/import_bench.py. Touches nothing outside a temporary
directory (``--keep`` leaves it); the shell's DATABASE_URL and CARTABLE_* are not passed on."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MAKE_COURSE = """
import hashlib, io, os, sys
from django.db import transaction
from cartable.accounts.models import Institution
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Blob, Course, CourseFile, Section

files, size = int(sys.argv[1]), int(sys.argv[2])

class Random(io.RawIOBase):
    def __init__(self, left):
        self.left = left
    def readable(self):
        return True
    def readinto(self, buffer):
        count = min(len(buffer), self.left, 1 << 20)
        buffer[:count] = os.urandom(count)
        self.left -= count
        return count

institution = Institution.objects.create(slug="univ-caen", name="Université de Caen")
with transaction.atomic():
    course = Course.objects.create(
        institution=institution, shortname="BIG", title="Grand cours", source="moodle",
        source_id="99", status=Course.Status.PUBLISHED,
    )
    section = Section.objects.create(course=course, position=0, source_key="section-1", title="Tout")
for number in range(files):
    stored = blobs.store().put_stream(io.BufferedReader(Random(size)))
    with transaction.atomic():
        Blob.objects.get_or_create(sha256=stored.sha256, defaults={"size": stored.size})
        activity = Activity.objects.create(
            course=course, section=section, position=number, kind="page",
            title=f"Page {number}", content=f"<p>Page {number}</p>", source_key=f"page-{number}",
            review_status="approved", completion={"tracking": "none"}, fingerprint=f"f{number}",
        )
        CourseFile.objects.create(
            course=course, activity=activity, blob_id=stored.sha256, filename=f"f{number}.bin",
            filepath="/", mimetype="application/octet-stream", component="mod_page",
            filearea="content",
        )
"""

CHANGE_ONE = """
import io, os
from cartable.catalog import blobs
from cartable.catalog.models import Blob, CourseFile
row = CourseFile.objects.get(filename="f0.bin")
size = row.blob.size
stored = blobs.store().put_stream(io.BytesIO(os.urandom(size)))
Blob.objects.get_or_create(sha256=stored.sha256, defaults={"size": stored.size})
row.blob_id = stored.sha256
row.save()
"""

# Runs one command and prints the peak RSS of its process tree's largest process (ru_maxrss of
# the waited children), so that each step is measured alone.
MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - started
if done.returncode:
    sys.stderr.write(done.stdout + done.stderr)
    raise SystemExit(done.returncode)
sys.stderr.write(done.stdout)
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def environment(home: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CARTABLE_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env["CARTABLE_HOME"] = str(home)
    env["LANGUAGE"] = "en"
    return env


def cartable(home: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cartable", *args],
        env=environment(home),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{args}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def measured(home: Path, *args: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `cartable` command."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "cartable", *args],
        env=environment(home),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{args}: {done.stderr[-3000:]}")
    seconds, peak_kb = done.stdout.split()
    return float(seconds), int(peak_kb) / 1024


def identity(home: Path) -> tuple[str, str]:
    out = cartable(home, "exchange", "identity")
    return (
        re.search(r"Fingerprint: (\S+)", out).group(1),  # type: ignore[union-attr]
        re.search(r"Public key: (\S+)", out).group(1),  # type: ignore[union-attr]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=256, help="the course's files, in all")
    parser.add_argument("--files", type=int, default=256, help="how many files")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cartable-course-bench-"))
    box, hub, stick = folder / "box", folder / "hub", folder / "stick"
    stick.mkdir()
    try:
        for home in (box, hub):
            cartable(home, "migrate")
        cartable(box, "institution", "add", "univ-caen", "Université de Caen")
        box_fp, box_key = identity(box)
        hub_fp, hub_key = identity(hub)
        cartable(box, "exchange", "peer", "add", "hub-caen", "--key", hub_key,
                 "--fingerprint", hub_fp, "--institution", "univ-caen")  # fmt: skip
        cartable(hub, "exchange", "peer", "add", "box-1", "--key", box_key,
                 "--fingerprint", box_fp, "--role", "box")  # fmt: skip
        each = args.size_mb * (1 << 20) // args.files
        started = time.perf_counter()
        cartable(hub, "shell", "-c", MAKE_COURSE.replace("sys.argv[1]", str(args.files))
                 .replace("sys.argv[2]", str(each)))  # fmt: skip
        made = time.perf_counter() - started
        cartable(hub, "exchange", "offer", "--course", "BIG", "--to", "box-1")
        full = stick / "course-1"
        export_s, export_mb = measured(
            hub, "exchange", "export", "--to", "box-1", "--kind", "course", str(full)
        )
        apply_s, apply_mb = measured(box, "exchange", "import", str(full))
        cartable(box, "exchange", "export", "--to", "hub-caen", "--kind", "ack",
                 str(stick / "ack-1"))  # fmt: skip
        cartable(hub, "exchange", "import", str(stick / "ack-1"))
        cartable(hub, "shell", "-c", CHANGE_ONE)
        one = stick / "course-2"
        cartable(hub, "exchange", "export", "--to", "box-1", "--kind", "course", str(one))
        apply2_s, _apply2_mb = measured(box, "exchange", "import", str(one))
        total = args.size_mb * (1 << 20)
        result = {
            "course_mb": args.size_mb,
            "files": args.files,
            "made_s": round(made, 1),
            "full_bundle_bytes": full.stat().st_size,
            "one_file_bundle_bytes": one.stat().st_size,
            "ratio_percent": round(100 * one.stat().st_size / full.stat().st_size, 3),
            "export_s": round(export_s, 1),
            "export_mb_s": round(total / (1 << 20) / export_s, 1),
            "export_peak_rss_mb": round(export_mb),
            "apply_s": round(apply_s, 1),
            "apply_mb_s": round(total / (1 << 20) / apply_s, 1),
            "apply_peak_rss_mb": round(apply_mb),
            "one_file_apply_s": round(apply2_s, 1),
        }
        print(json.dumps(result, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
