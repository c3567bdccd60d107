"""A progress line for the exchange's commands, on a terminal only: one line redrawn in place
(``\\r``) when the percentage shown changes, a new line for each stage. Hand-written: a few
lines, no library for so little."""

from __future__ import annotations

from collections.abc import Callable

WIDTH = 24


class Bar:
    """Called as ``bar(stage, done, total)`` (an exchange action's ``progress``); ``labels``
    names each stage, ``unit`` is the word for a million bytes."""

    def __init__(
        self,
        write: Callable[[str], object],
        flush: Callable[[], object],
        labels: dict[str, str],
        unit: str = "MB",
    ) -> None:
        self._write = write
        self._flush = flush
        self._labels = labels
        self._unit = unit
        self._last: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if self._last == (stage, percent):
            return
        if self._last is not None and self._last[0] != stage:
            self._write("\n")
        self._last = (stage, percent)
        filled = WIDTH * percent // 100
        self._write(
            f"\r{self._labels.get(stage, stage)} [{'#' * filled}{'.' * (WIDTH - filled)}] "
            f"{percent:3d} % {done / 1e6:.1f}/{total / 1e6:.1f} {self._unit}"
        )
        self._flush()

    def close(self) -> None:
        """End the line (if anything was drawn)."""
        if self._last is not None:
            self._write("\n")
            self._flush()
            self._last = None
