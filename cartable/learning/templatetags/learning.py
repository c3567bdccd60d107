from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from cartable.catalog.rendering import file_link

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    """45 -> "45 min", 80 -> "1 h 20 min", 120 -> "2 h"."""
    hours, rest = divmod(max(0, int(minutes or 0)), 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


@register.simple_tag
def file_href(course_id: int, sha256: str, name: str) -> str:
    """{% file_href course.pk sha256 name %}: a link to a course file (a PDF opens in the
    box's viewer)."""
    return file_link(course_id, sha256, name)
