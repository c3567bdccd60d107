"""The importers' sentences (``cartable.importers.common.Text``) in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from cartable.catalog import names
from cartable.importers.common import Text


def _argument(name: str, value: Any) -> Any:
    if isinstance(value, Text | dict):
        return shown(value)
    if name == "module" and isinstance(value, str):
        return names.module_name(value)
    if name == "qtype" and isinstance(value, str):
        return names.question_type_name(value)
    return value


def shown(value: Any) -> str:
    """A ``Text``, or its JSON form kept with a job's report, in the active language; any
    other value as it is (a report kept before sentences were translated shows in English)."""
    if isinstance(value, Text):
        template, values = value.template, value.values
    elif isinstance(value, dict) and value.get("template"):
        template, values = str(value["template"]), value.get("values") or {}
    else:
        return "" if value is None else str(value)
    if not isinstance(values, dict):
        return str(template)
    arguments = {name: _argument(name, item) for name, item in values.items()}
    try:
        return gettext(template) % arguments if arguments else gettext(template)
    except (KeyError, TypeError, ValueError):
        # A translation that does not fit its values: the English never fails.
        return template % arguments if arguments else template
