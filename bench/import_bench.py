"""Import benchmark: a generated Moodle backup of at least 1 GB with thousands of files,
imported by `cartable import` on a fresh data folder; reports throughput and peak memory.

    python bench/import_bench.py [--size-mb 1100] [--files 3000] [--keep]

The backup is written as Moodle writes it (tar.gz), with one resource activity per file and
a page linking images; file contents are pseudo-random (incompressible, the worst case for the
unpacker). Peak memory is the import process's high-water mark (VmHWM), sampled with its RSS
every 50 ms; the target is a peak under 200 MB whatever the size.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.importers.builder import Backup, fields  # noqa: E402

TARGET_PEAK_MB = 200


def content(number: int, size: int) -> bytes:
    return random.Random(number).randbytes(size)


def build(path: Path, *, total_mb: int, files: int) -> tuple[int, int]:
    """Write the backup; return (bytes of file content, number of files)."""
    backup = Backup(fullname="Benchmark course", shortname="BENCH", summary="<p>Bench</p>")
    sections = [backup.section(number, f"Week {number}") for number in range(10)]
    average = total_mb * 1024 * 1024 // files
    sizes = [
        max(1024, int(average * (0.2 + 1.6 * random.Random(-n).random()))) for n in range(files)
    ]
    blobs: dict[str, tuple[int, int]] = {}
    for number, size in enumerate(sizes):
        activity = backup.activity(
            "resource",
            fields(intro=f"<p>File {number}</p>", introformat=1, display=0),
            title=f"Document {number}",
            section=sections[number % len(sections)],
        )
        data = content(number, size)
        backup.file(
            contextid=activity.contextid,
            component="mod_resource",
            filearea="content",
            filename=f"document-{number}.bin",
            content=data,
            blob=False,
        )
        blobs[hashlib.sha1(data, usedforsecurity=False).hexdigest()] = (number, size)
    members = backup.members_out()
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for sha1, (number, size) in blobs.items():
            info = tarfile.TarInfo(f"files/{sha1[:2]}/{sha1}")
            info.size = size
            archive.addfile(info, io.BytesIO(content(number, size)))
    return sum(sizes), files


def rss_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=1100, help="file content to generate (MB)")
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--keep", action="store_true", help="keep the generated backup")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cartable-import-bench-"))
    backup = work / "bench.mbz"
    started = time.perf_counter()
    payload, count = build(backup, total_mb=args.size_mb, files=args.files)
    built = time.perf_counter() - started
    archive_bytes = backup.stat().st_size
    print(f"built {backup} ({archive_bytes / 1e6:.0f} MB, {count} files) in {built:.0f} s")

    env = {**os.environ, "CARTABLE_HOME": str(work / "home"), "LANGUAGE": "en"}
    env.pop("DATABASE_URL", None)
    cartable = [sys.executable, "-m", "cartable"]
    subprocess.run([*cartable, "check"], env=env, check=True, capture_output=True)
    subprocess.run([*cartable, "migrate", "-v", "0"], env=env, check=True, capture_output=True)

    samples: list[tuple[float, int]] = []
    started = time.perf_counter()
    # The report goes to a file: a pipe left unread until the end would fill up and block.
    report_path = work / "report.json"
    errors_path = work / "errors.txt"
    with report_path.open("w") as out_file, errors_path.open("w") as err_file:
        process = subprocess.Popen(
            [*cartable, "import", str(backup), "--json"],
            env=env,
            stdout=out_file,
            stderr=err_file,
        )
        peak_hwm = 0
        while process.poll() is None:
            samples.append((time.perf_counter() - started, rss_kb(process.pid, "VmRSS")))
            peak_hwm = max(peak_hwm, rss_kb(process.pid, "VmHWM"))
            time.sleep(0.05)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"import failed: {errors_path.read_text()}")
    report = json.loads(report_path.read_text())
    peak_mb = max(peak_hwm, max((kb for _, kb in samples), default=0)) / 1024
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "archive_mb": round(archive_bytes / 1e6, 1),
        "content_mb": round(payload / 1e6, 1),
        "files": count,
        "seconds": round(elapsed, 2),
        "archive_mb_per_s": round(archive_bytes / 1e6 / elapsed, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "target_peak_rss_mb": TARGET_PEAK_MB,
        "pass": peak_mb < TARGET_PEAK_MB,
        "report": {"activities": report["activities"], "files": report["files"]},
        "rss_samples_mb": [
            (round(t, 2), round(kb / 1024, 1)) for t, kb in samples[:: max(1, len(samples) // 50)]
        ],
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out_path = results / f"import-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out_path.write_text(json.dumps(result, indent=2))
    print(
        f"imported {result['archive_mb']} MB ({count} files) in {result['seconds']} s: "
        f"{result['archive_mb_per_s']} MB/s, peak RSS {result['peak_rss_mb']} MB "
        f"(target < {TARGET_PEAK_MB} MB: {'PASS' if result['pass'] else 'FAIL'})"
    )
    print(f"results: {out_path}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
