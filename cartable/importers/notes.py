"""What an importer collects while it reads: warnings and skipped items, in order, each once."""

from __future__ import annotations

from cartable.importers.common import Text
from cartable.importers.report import Skipped
from cartable.lib.risks import Finding


class Notes:
    def __init__(self) -> None:
        self.warnings: list[Text] = []
        self.skipped: list[Skipped] = []
        self._seen: set[str] = set()
        self._skipped_keys: set[tuple[str, str]] = set()

    def warn(self, message: Text) -> None:
        if message not in self._seen:
            self._seen.add(message)
            self.warnings.append(message)

    def skip(
        self, kind: str, key: str, what: Text, reason: Text, findings: tuple[Finding, ...] = ()
    ) -> None:
        if (kind, key) not in self._skipped_keys:
            self._skipped_keys.add((kind, key))
            self.skipped.append(
                Skipped(kind=kind, key=key, what=what, reason=reason, findings=findings)
            )
