"""Reading a list of usernames to enrol: bytes in, usernames (with their line) or per-line
errors out. The list is a CSV file with a username column (as for creating accounts: English or
French column names, any separator ``csvimport`` reads) or plain text, one username a line.

Only the file's own content is checked here (encoding, size, the shape of each username,
duplicates); whether the accounts exist and may be enrolled is ``people.actions``' business.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cartable.accounts import csvimport
from cartable.accounts.csvimport import CsvImportError, LineError
from cartable.accounts.models import CartableUserManager

_NAMES = frozenset(csvimport.COLUMNS["username"])
_SEPARATORS = (";", ",", "\t")


@dataclass(frozen=True, slots=True)
class Listed:
    line: int
    username: str


def _unreadable() -> CsvImportError:
    return CsvImportError(
        [LineError(0, _("The file is not a text (CSV) file: save it as CSV UTF-8."))]
    )


def parse(data: bytes, *, max_rows: int) -> list[Listed]:
    """The usernames of a list, in order, each once. Raise ``CsvImportError`` with every bad
    line (and nothing else) when any line is bad, or when the list cannot be read."""
    try:
        text = csvimport.decode(data)
    except UnicodeDecodeError:
        raise _unreadable() from None
    if "\x00" in text:
        raise _unreadable()
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    separator = max(_SEPARATORS, key=first.count)
    if not first.count(separator):
        separator = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    column = 0
    header = next(reader, [])
    folded = [csvimport._fold(name) for name in header]
    names = [index for index, name in enumerate(folded) if name in _NAMES]
    rows: list[tuple[int, list[str]]] = []
    if names:
        column = names[0]
    else:
        rows.append((reader.line_num, header))
    rows.extend((reader.line_num, values) for values in reader)

    found: list[Listed] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for line, values in rows:
        if not any(value.strip() for value in values):
            continue
        cell = values[column] if column < len(values) else ""
        username = CartableUserManager.normalize_username(cell)
        if not username:
            errors.append(LineError(line, _("the username is missing.")))
            continue
        if len(username) > 150 or not csvimport.USERNAME_RE.match(username):
            errors.append(
                LineError(
                    line,
                    _(
                        "username “%(username)s” may only hold letters, digits and . @ + - _ "
                        "(150 at most)."
                    )
                    % {"username": username[:150]},
                )
            )
            continue
        if username in seen:
            continue  # the same person twice: enrolled once
        if len(found) >= max_rows:
            raise CsvImportError(
                [LineError(0, _("The list has more than %(max)d usernames.") % {"max": max_rows})]
            )
        seen[username] = line
        found.append(Listed(line, username))
    if errors:
        raise CsvImportError(errors)
    if not found:
        raise CsvImportError([LineError(0, _("The list has no username."))])
    return found
