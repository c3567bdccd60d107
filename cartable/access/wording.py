"""When access opens, said in the reader's language: "L’accès ouvre lundi à 9 h 00."."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def clock_time(moment: datetime) -> str:
    """9:00 in English, 9 h 00 in French (no-break spaces: never split over two lines)."""
    local = timezone.localtime(moment)
    return pgettext("time of day", "%(hour)d:%(minute)02d") % {
        "hour": local.hour,
        "minute": local.minute,
    }


def long_date(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return _("%(weekday)s %(day)d %(month)s %(year)d") % {
        "weekday": WEEKDAYS[local.weekday()],
        "day": local.day,
        "month": MONTHS[local.month],
        "year": local.year,
    }


def opening(opens: datetime | None, now: datetime) -> str:
    """The sentence saying when access opens (``opens`` None: not in the coming year)."""
    if opens is None:
        return _("Access is closed until the staff open it again.")
    local = timezone.localtime(opens)
    days = (local.date() - timezone.localtime(now).date()).days
    values: dict[str, object] = {"time": clock_time(opens), "weekday": WEEKDAYS[local.weekday()]}
    if days == 0:
        return _("Access opens today at %(time)s.") % values
    if days == 1:
        return _("Access opens tomorrow at %(time)s.") % values
    if days < 7:
        return _("Access opens on %(weekday)s at %(time)s.") % values
    values.update(day=local.day, month=MONTHS[local.month])
    return _("Access opens on %(weekday)s %(day)d %(month)s at %(time)s.") % values


def sign_in_refused(opens: datetime | None, now: datetime) -> str:
    return _("You cannot sign in at this time.") + " " + opening(opens, now)


def session_closed(opens: datetime | None, now: datetime) -> str:
    return _("Access hours are over: you have been signed out.") + " " + opening(opens, now)


def minute_time(minute: int) -> str:
    """A minute of the day as the clock reads it (1440, the end of the day: 24:00)."""
    return pgettext("time of day", "%(hour)d:%(minute)02d") % {
        "hour": minute // 60,
        "minute": minute % 60,
    }


def day_name(day: date) -> str:
    return _("%(weekday)s %(day)d %(month)s") % {
        "weekday": WEEKDAYS[day.weekday()],
        "day": day.day,
        "month": MONTHS[day.month],
    }
