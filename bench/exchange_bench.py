"""Bundle throughput and memory: write one bundle holding a large file, then open, check and
extract it, in a child process each, and report MB/s and peak memory (RSS). Memory should not
grow with the file: the format is read and written a chunk at a time.

    .venv/bin/python bench/exchange_bench.py --size-mb 1024

Touches nothing outside a temporary directory (``--keep`` leaves it)."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(step: str, folder: Path, size_mb: int) -> None:
    sys.path.insert(0, str(ROOT))
    from cartable.exchange.wire import bundle
    from cartable.exchange.wire.keys import parse_private

    box = parse_private((folder / "box.key").read_text())
    hub = parse_private((folder / "hub.key").read_text())
    path = folder / "bundle"
    started = time.perf_counter()
    if step == "write":
        member = bundle.member_from_path("blobs/big", folder / "big")
        with path.open("wb") as out:
            bundle.write(
                out, kind="work", sender=box, recipient=hub.public, sequence=1,
                created="bench", members=[member],
            )  # fmt: skip
    else:
        known = {box.public.fingerprint: box.public}
        reader = bundle.open_bundle(path, identity=hub, sender_key=known.get)
        reader.check()
        with (folder / "out").open("wb") as out:
            for chunk in reader.read("blobs/big"):
                out.write(chunk)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"step": step, "seconds": seconds, "peak_mb": peak_kb / 1024}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=256)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.size_mb)
        return 0
    sys.path.insert(0, str(ROOT))
    from cartable.exchange.wire.keys import PrivateIdentity

    folder = Path(tempfile.mkdtemp(prefix="cartable-exchange-bench-"))
    try:
        (folder / "box.key").write_text(PrivateIdentity.generate().text())
        (folder / "hub.key").write_text(PrivateIdentity.generate().text())
        with (folder / "big").open("wb") as out:
            block = os.urandom(1 << 20)
            for _ in range(args.size_mb):
                out.write(block)
        results = []
        for step in ("write", "read"):
            run = subprocess.run(
                [sys.executable, __file__, "--size-mb", str(args.size_mb), "--child", step,
                 str(folder)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            results.append(json.loads(run.stdout))
        overhead = (folder / "bundle").stat().st_size - args.size_mb * (1 << 20)
        print(f"file: {args.size_mb} MB, bundle overhead: {overhead} bytes")
        for item in results:
            rate = args.size_mb / item["seconds"]
            label = (
                "write (hash + encrypt)" if item["step"] == "write" else "read (check + extract)"
            )
            print(
                f"{label}: {item['seconds']:.2f} s, {rate:.0f} MB/s, peak RSS {item['peak_mb']:.0f} MB"
            )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
