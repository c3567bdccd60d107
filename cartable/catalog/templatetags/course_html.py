from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from cartable.catalog.rendering import CourseLinks
from cartable.catalog.texts import shown

register = template.Library()


@register.filter
def course_html(text: str, links: CourseLinks) -> SafeString:
    """{{ activity.content|course_html:links }}: course HTML ready for the box."""
    return links.html(text or "")


@register.filter
def in_language(value: Any) -> str:
    """An importer's sentence (a report's ``texts``) in the reader's language."""
    return shown(value)
