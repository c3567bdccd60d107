"""Memory and CPU of a whole process tree, read from /proc (Linux only).

RSS counts every page a process maps, so forked workers sharing the master's pages are counted
several times over; PSS divides each shared page between the processes sharing it, so the PSS
sum is what the tree really costs the machine.
"""

from __future__ import annotations

import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK")
MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Sample:
    processes: int
    rss_mb: float
    pss_mb: float
    cpu_s: float  # user + system time of the live processes and of the children they reaped

    def as_dict(self) -> dict:
        return {key: round(value, 1) for key, value in asdict(self).items()}


def _stat(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after its closing one.
    return text[text.rindex(")") + 2 :].split()


def descendants(*roots: int) -> list[int]:
    """The ``roots`` and every process below them."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _rollup(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes, or zeros for a process that has gone."""
    rss = pss = 0
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def sample(*roots: int) -> Sample:
    pids = descendants(*roots)
    rss = pss = ticks = 0
    for pid in pids:
        one_rss, one_pss = _rollup(pid)
        rss, pss = rss + one_rss, pss + one_pss
        if fields := _stat(pid):
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return Sample(len(pids), rss / MB, pss / MB, ticks / TICK)


def cpu_by_process(*roots: int) -> dict[int, float]:
    """Own CPU seconds (user + system) of each live process of the tree: shows how evenly
    the workers share the work."""
    found = {}
    for pid in descendants(*roots):
        if fields := _stat(pid):
            found[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return found


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy (all cores, all processes) since boot;
    time stolen by the hypervisor counts as busy: it was not available to us."""
    fields = (PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields)
    return (user + nice + system + irq + softirq + steal) / TICK


class PeakSampler:
    """Samples a tree in a background thread and keeps the highest RSS and PSS sums seen."""

    def __init__(self, roots: list[int], interval: float = 0.25) -> None:
        self.roots, self.interval = roots, interval
        self.peak_rss = self.peak_pss = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = sample(*self.roots)
            self.peak_rss = max(self.peak_rss, now.rss_mb)
            self.peak_pss = max(self.peak_pss, now.pss_mb)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def as_dict(self) -> dict:
        return {
            "rss_mb": round(self.peak_rss, 1),
            "pss_mb": round(self.peak_pss, 1),
            "samples": self.samples,
        }
