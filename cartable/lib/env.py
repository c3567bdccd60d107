"""Typed readers of environment variables, each declared once with a default and a line of help.

Every call registers the variable in ``DECLARED`` so that ``docs/settings.md`` can be generated
from (and checked against) the code: a setting cannot exist without its documentation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class SettingError(ValueError):
    """An environment variable holds a value its setting refuses."""


@dataclass(frozen=True)
class Declared:
    name: str
    kind: str
    default: str
    help: str


DECLARED: dict[str, Declared] = {}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _declare(name: str, kind: str, default: object, help: str) -> None:
    shown = "(unset)" if default is None else str(default)
    DECLARED[name] = Declared(name=name, kind=kind, default=shown, help=help)


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    source = os.environ if environ is None else environ
    value = source.get(name)
    return None if value is None else value.strip()


def string(
    name: str, default: str | None, help: str, environ: Mapping[str, str] | None = None
) -> str | None:
    _declare(name, "text", default, help)
    value = _raw(name, environ)
    return default if value is None or value == "" else value


def boolean(name: str, default: bool, help: str, environ: Mapping[str, str] | None = None) -> bool:
    _declare(name, "boolean", "on" if default else "off", help)
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def integer(
    name: str,
    default: int,
    help: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    _declare(name, "integer", default, help)
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise SettingError(f"{name} must be a whole number; got {value!r}") from None
    if minimum is not None and number < minimum:
        raise SettingError(f"{name} must be at least {minimum}; got {number}")
    if maximum is not None and number > maximum:
        raise SettingError(f"{name} must be at most {maximum}; got {number}")
    return number


def choice(
    name: str,
    default: str,
    choices: tuple[str, ...],
    help: str,
    environ: Mapping[str, str] | None = None,
) -> str:
    _declare(name, "one of " + ", ".join(choices), default, help)
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    if value not in choices:
        raise SettingError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def words(
    name: str, default: tuple[str, ...], help: str, environ: Mapping[str, str] | None = None
) -> tuple[str, ...]:
    _declare(name, "comma-separated list", ",".join(default) or "(empty)", help)
    value = _raw(name, environ)
    if value is None:
        return default
    return tuple(part.strip() for part in value.split(",") if part.strip())


def render_markdown() -> str:
    """The settings reference, as committed in docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "Cartable reads its settings from environment variables, once, at start-up.",
        "A bad value stops the program with a message naming the variable.",
        "This page is generated from `cartable/settings.py` (`make docs`); a test keeps it in step.",
        "",
        "| Variable | Kind | Default | What it does |",
        "| --- | --- | --- | --- |",
    ]
    for item in sorted(DECLARED.values(), key=lambda d: d.name):
        lines.append(f"| `{item.name}` | {item.kind} | `{item.default}` | {item.help} |")
    return "\n".join(lines) + "\n"
