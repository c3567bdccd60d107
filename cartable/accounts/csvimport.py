"""Reading a CSV file of accounts to create: bytes in, checked rows or per-line errors out.

This module only reads and checks the file's own content (format, columns, values, duplicates
inside the file); what depends on the database (existing usernames, who may create which role)
is checked by ``actions.import_accounts``. Both report every bad line at once, with its number.

The file may come from a spreadsheet in French or English: UTF-8 (with or without BOM) or
Windows-1252, separated by commas, semicolons or tabs, with English or French column names.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cartable.accounts.models import CartableUserManager, Role

USERNAME_RE = re.compile(r"^[\w.@+-]+\Z")

COLUMNS = {
    "username": ("username", "identifiant", "login", "nom_utilisateur", "utilisateur"),
    "first_name": ("first_name", "firstname", "prenom"),
    "last_name": ("last_name", "lastname", "nom", "nom_de_famille"),
    "role": ("role",),
    "groups": ("group", "groups", "groupe", "groupes", "classe", "cohorte"),
    "password": ("password", "mot_de_passe", "motdepasse", "mdp"),
}

ROLE_WORDS = {
    Role.LEARNER: ("learner", "student", "apprenant", "apprenante", "etudiant", "etudiante"),
    Role.TEACHER: ("teacher", "tutor", "enseignant", "enseignante", "tuteur", "tutrice"),
    Role.STAFF: ("staff", "personnel"),
    Role.ADMIN: ("admin", "administrator", "administrateur", "administratrice"),
}

GROUP_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class LineError:
    line: int  # 1 is the header line; 0 means the file as a whole
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True, slots=True)
class AccountRow:
    line: int
    username: str
    first_name: str
    last_name: str
    role: Role
    groups: tuple[str, ...]
    password: str | None


class CsvImportError(ValueError):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def _fold(text: str) -> str:
    """Lowercase, no accents, spaces and dashes as underscores: 'Mot de passe' -> 'mot_de_passe'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\s\-]+", "_", plain)


_COLUMN_BY_WORD = {word: key for key, words in COLUMNS.items() for word in words}
_ROLE_BY_WORD = {word: role for role, words in ROLE_WORDS.items() for word in words}


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets on French Windows save "CSV" in Windows-1252.
        return data.decode("cp1252", errors="strict")


def _dialect(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


@dataclass(frozen=True, slots=True)
class ParsedFile:
    rows: list[AccountRow]  # the good lines
    errors: list[LineError]  # what is wrong with the others


def parse(data: bytes, *, max_rows: int) -> ParsedFile:
    """Check a CSV file: its good rows and an error for each bad line. Raise CsvImportError
    when the file as a whole cannot be read (encoding, header, size)."""
    try:
        text = decode(data)
    except UnicodeDecodeError:
        raise CsvImportError(
            [LineError(0, _("The file is not a text (CSV) file: save it as CSV UTF-8."))]
        ) from None
    if "\x00" in text:
        raise CsvImportError(
            [LineError(0, _("The file is not a text (CSV) file: save it as CSV UTF-8."))]
        )
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CsvImportError(
            [LineError(0, _("The file is empty: its first line must name the columns."))]
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(lines[0]))
    header = next(reader)
    errors: list[LineError] = []
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _COLUMN_BY_WORD.get(_fold(name))
        if key is None:
            if name.strip():
                errors.append(
                    LineError(1, _("unknown column “%(name)s”.") % {"name": name.strip()})
                )
            continue
        if key in positions:
            errors.append(LineError(1, _("column “%(name)s” appears twice.") % {"name": name}))
        positions[key] = index
    if "username" not in positions:
        errors.append(LineError(1, _("a column “username” (or “identifiant”) is required.")))
    if errors:
        raise CsvImportError(errors)

    rows: list[AccountRow] = []
    seen: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= max_rows:
            raise CsvImportError(
                [LineError(0, _("The file has more than %(max)d accounts.") % {"max": max_rows})]
            )
        row, row_errors = _row(line, values, positions, len(header))
        if row is not None and row.username in seen and not row_errors:
            row_errors.append(
                _("username “%(username)s” is already on line %(other)d.")
                % {"username": row.username, "other": seen[row.username]}
            )
        errors.extend(LineError(line, message) for message in row_errors)
        if row is not None and not row_errors:
            seen[row.username] = line
            rows.append(row)
    if not rows and not errors:
        raise CsvImportError([LineError(0, _("The file has no account lines."))])
    return ParsedFile(rows=rows, errors=errors)


def _row(
    line: int, values: list[str], positions: dict[str, int], width: int
) -> tuple[AccountRow | None, list[str]]:
    errors: list[str] = []
    if len(values) > width:
        errors.append(_("more values than columns."))

    def cell(key: str) -> str:
        index = positions.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    username = CartableUserManager.normalize_username(cell("username"))
    if not username:
        errors.append(_("the username is missing."))
    elif len(username) > 150 or not USERNAME_RE.match(username):
        errors.append(
            _("username “%(username)s” may only hold letters, digits and . @ + - _ (150 at most).")
            % {"username": username}
        )
    first_name, last_name = cell("first_name"), cell("last_name")
    for value in (first_name, last_name):
        if len(value) > 150:
            errors.append(_("a name is longer than 150 characters."))
    role_word = _fold(cell("role"))
    role = _ROLE_BY_WORD.get(role_word) if role_word else Role.LEARNER
    if role is None:
        errors.append(_("unknown role “%(role)s”.") % {"role": cell("role")})
    groups = tuple(
        dict.fromkeys(
            part.strip() for part in cell("groups").split(GROUP_SEPARATOR) if part.strip()
        )
    )
    for group in groups:
        if len(group) > 120:
            errors.append(_("a group name is longer than 120 characters."))
    password = cell("password") or None
    if role is None:
        return None, errors
    return (
        AccountRow(
            line=line,
            username=username,
            first_name=first_name,
            last_name=last_name,
            role=role,
            groups=groups,
            password=password,
        ),
        errors,
    )
