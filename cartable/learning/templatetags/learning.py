from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
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


_HOST = re.compile(
    r"^(?:localhost|\[?[0-9a-f:.]+\]?|(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]+)(?::\d+)?$",
    re.IGNORECASE,
)


@register.filter
def unless_host(name: str) -> str:
    """A course's source as learners see it: an institution named after a Moodle site's host
    (``localhost``, ``moodle.univ.fr``, made when a backup came without one) means nothing to
    them and is not shown."""
    return "" if _HOST.match((name or "").strip()) else name


@register.filter
def plan_date(day: date | None) -> str:
    """A study plan's date: "12 March", with the year when it is not this year's."""
    if day is None:
        return ""
    today = timezone.localdate()
    return date_format(day, "j F" if day.year == today.year else "j F Y")


@register.filter
def is_late(day: date | None) -> bool:
    """Whether a due date is past (the day itself is still on time)."""
    return day is not None and day < timezone.localdate()


@register.simple_tag
def week_of(start: datetime | None, number: int) -> str:
    """The dates of section ``number`` of a course in Moodle's weekly format: its week starts
    on the course's start date plus seven days for each section after the first ("3 March –
    9 March"; the year shown when not this year's)."""
    if start is None or number < 1:
        return ""
    first = timezone.localtime(start).date() + timedelta(days=7 * (number - 1))
    last = first + timedelta(days=6)
    this_year = timezone.localdate().year
    shown_first = "j F" if first.year == last.year else "j F Y"
    return _("%(start)s – %(end)s") % {
        "start": date_format(first, shown_first),
        "end": date_format(last, "j F" if last.year == this_year else "j F Y"),
    }


# Pictures every browser shows in <img> (drawings, SVG, are offered as downloads only).
IMAGE_TYPES = frozenset(
    ["image/png", "image/jpeg", "image/pjpeg", "image/gif", "image/webp", "image/avif", "image/bmp"]
)


@register.filter
def is_image(mimetype: str | None) -> bool:
    """Whether a course file is a picture to show on its page, not only a link."""
    return (mimetype or "").lower() in IMAGE_TYPES


# --- A course on the learner home --------------------------------------------------------------

CARDS_KEPT = 2_000  # about 1 kB each


@register.simple_tag
def course_card(course: dict[str, Any]) -> SafeString:
    """{% course_card course %}: a course on the learner home (``learning.views.learner_home``
    gives its id, title, institution, progress and the activity to resume), rendered once per
    everything it shows and the language, then kept: nothing to invalidate."""
    return _card(
        (
            get_language(),
            course["id"],
            course["title"],
            course["institution"],
            course["progress"],
            course["resume"],
        )
    )


@lru_cache(maxsize=CARDS_KEPT)
def _card(key: tuple[Any, ...]) -> SafeString:
    _language, pk, title, institution, progress, resume = key
    course = {"id": pk, "title": title, "institution": institution, "resume": resume}
    html = render_to_string("learning/course_card.html", {"course": course, "progress": progress})
    return mark_safe(html)  # noqa: S308  (rendered by the template engine, which escapes)
