"""Punctuation and numbers as the reader's language writes them: French puts a narrow
no-break space before ``:`` and ``%`` (``Léa : fait``, ``100 %``), English none (``100%``)."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext

register = template.Library()


@register.simple_tag
def colon() -> str:
    """{% colon %}: a colon introducing what follows, as the language writes it."""
    return pgettext("punctuation: a colon before what it introduces", ":")


@register.filter
def percent(value: int | float | None) -> str:
    """{{ 75|percent }}: "75%" in English, "75 %" (narrow no-break space) in French."""
    return gettext("%(number)s%%") % {"number": number_format(value or 0)}
