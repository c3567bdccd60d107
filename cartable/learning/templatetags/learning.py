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


# --- One activity of the course page ----------------------------------------------------------

# A course page lists every activity of a course; most rows are the same for every reader in
# the same state. A row's HTML is kept, keyed by everything it is made of (so a change of the
# activity, of the reader's state or of the language makes another key: nothing to invalidate)
# and rendered once per key in each server process. Rows that show a rule's reasons, which
# name dates and other activities, are rendered each time.
ROWS_KEPT = 5_000  # about 5 MB per server process at most


@register.simple_tag(takes_context=True)
def course_row(context: template.Context, entry: Any) -> SafeString:
    if entry.reasons:
        return _row_html(_row_key(context, entry), entry.reasons)
    return _kept_row(_row_key(context, entry))


def _row_key(context: template.Context, entry: Any) -> tuple[Any, ...]:
    return (
        get_language(),
        bool(context.get("learner")),
        bool(context.get("plans")),
        str(context.get("plan_url") or ""),
        entry.pk,
        entry.kind,
        entry.title,
        entry.visible,
        entry.url,
        entry.kind_label,
        entry.duration,
        entry.open,
        entry.state,
        entry.to_do,
    )


@lru_cache(maxsize=ROWS_KEPT)
def _kept_row(key: tuple[Any, ...]) -> SafeString:
    return _row_html(key, [])


_ROW_FIELDS = (
    "pk",
    "kind",
    "title",
    "visible",
    "url",
    "kind_label",
    "duration",
    "open",
    "state",
    "to_do",
)


def _row_html(key: tuple[Any, ...], reasons: list[dict[str, Any]]) -> SafeString:
    _language, learner, plans, plan_url, *values = key
    entry = {**dict(zip(_ROW_FIELDS, values, strict=True)), "reasons": reasons}
    html = render_to_string(
        "learning/course_row.html",
        {"entry": entry, "learner": learner, "plans": plans, "plan_url": plan_url},
    )
    return mark_safe(html)  # noqa: S308  (rendered by the template engine, which escapes)
