from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from cartable.catalog import names
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


@register.filter
def module_name(name: str) -> str:
    """{{ "assign"|module_name }}: a Moodle module's name in the reader's language."""
    return names.module_name(name)


@register.filter
def question_type_name(name: str) -> str:
    """{{ "multichoice"|question_type_name }}: a question type's name in the reader's language."""
    return names.question_type_name(name)
