"""The importers' sentences (``cartable.importers.common.Text``) in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from cartable.importers.common import Text


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
    arguments = {
        name: shown(item) if isinstance(item, Text | dict) else item
        for name, item in values.items()
    }
    try:
        return gettext(template) % arguments if arguments else gettext(template)
    except (KeyError, TypeError, ValueError):
        # A translation that does not fit its values: the English never fails.
        return template % arguments if arguments else template
