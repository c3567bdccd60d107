"""Reading posted form values without trusting them: whatever the form holds, these give a
string, a small integer or nothing, and never raise."""

from __future__ import annotations

from collections.abc import Mapping

# Longest text kept from one field: answers are short; essays have their own, larger limit.
MAX_ANSWER = 2_000
MAX_ESSAY = 200_000


def value(form: object, name: str, limit: int = MAX_ANSWER) -> str | None:
    """The field's text (the last one if posted several times), None when absent or not text.
    NUL characters are dropped (no database stores them) and the text is cut at ``limit``."""
    if not isinstance(form, Mapping):
        return None
    try:
        raw = form.get(name)
    except Exception:  # a hostile mapping; nothing to read
        return None
    getlist = getattr(form, "getlist", None)
    if callable(getlist):  # Django's QueryDict: the last value posted
        try:
            values = getlist(name)
        except Exception:
            values = None
        if isinstance(values, list) and values:
            raw = values[-1]
    if isinstance(raw, list | tuple):
        raw = raw[-1] if raw else None
    if not isinstance(raw, str):
        return None
    return raw[:limit].replace("\x00", "")


def text(form: object, name: str, limit: int = MAX_ANSWER) -> str:
    """The field's text trimmed (as Moodle's PARAM_RAW_TRIMMED), "" when absent."""
    found = value(form, name, limit)
    return found.strip() if found is not None else ""


def integer(form: object, name: str) -> int | None:
    """A small whole number written in ASCII digits (an optional minus), None otherwise."""
    found = value(form, name, 40)
    if found is None:
        return None
    found = found.strip()
    digits = found[1:] if found.startswith("-") else found
    if not digits or len(digits) > 9 or not (digits.isascii() and digits.isdigit()):
        return None
    return int(found)


def flag(form: object, name: str) -> bool:
    """A ticked box: any value but "", "0" and nothing."""
    found = value(form, name, 40)
    return found is not None and found.strip() not in ("", "0")
