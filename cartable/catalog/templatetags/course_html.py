from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from cartable.catalog.rendering import CourseLinks

register = template.Library()


@register.filter
def course_html(text: str, links: CourseLinks) -> SafeString:
    """{{ activity.content|course_html:links }}: course HTML ready for the box."""
    return links.html(text or "")
