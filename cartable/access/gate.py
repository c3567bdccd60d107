"""Access hours applied to a learner: at sign-in (``check_sign_in``, called by the sign-in
form) and on each request of a signed-in learner (``check_request``, called by
``middleware.access_hours``). Teachers, staff and administrators are never limited.

A request costs nothing more as a rule: the instant until which the learner may go on is kept
in their session and the rule is worked out again (one query) only once it is reached, and
at least once a minute, so that staff's changes apply within a minute and a session ends at
the minute its hours end.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone, translation

from cartable.access import hours, wording
from cartable.access.models import Rule
from cartable.accounts.models import Cohort, Role, User
from cartable.audit.actions import record, record_repeated

UNTIL_KEY = "cartable_access_until"  # the session's: epoch second until which access is open
CLOSES_KEY = (
    "cartable_access_closes"  # the session's: epoch second when the hours end (0: not soon)
)
CLOSING_SOON_SECONDS = 30 * 60
RECHECK_SECONDS = 60


def now() -> datetime:
    """The box's time (tests move it)."""
    return timezone.now()


def zone() -> ZoneInfo:
    return ZoneInfo(str(settings.TIME_ZONE))


def limited(user: object) -> bool:
    return getattr(user, "role", None) == Role.LEARNER


def rules_of(user: User, today: date) -> tuple[list[hours.Window], list[hours.Dated]]:
    """The windows and exceptions that apply to ``user``, in one query: the establishment's,
    their groups' and their own, leaving out exceptions already over."""
    if user.establishment_id is None:
        return [], []
    groups = Cohort.members.through.objects.filter(user_id=user.pk).values("cohort_id")
    rows = (
        Rule.objects.filter(establishment_id=user.establishment_id)
        .filter(
            Q(cohort__isnull=True, learner__isnull=True)
            | Q(cohort_id__in=groups)
            | Q(learner_id=user.pk)
        )
        .filter(
            Q(kind=Rule.Kind.WEEKLY)
            | Q(last_day__isnull=True)
            | Q(last_day__gte=today - timedelta(days=1))
        )
        .values_list(
            "kind", "cohort_id", "learner_id", "days", "first_day", "last_day", "start", "end"
        )
    )
    windows, dated = [], []
    for kind, cohort_id, learner_id, days, first, last, start, end in rows:
        scope = (
            hours.LEARNER
            if learner_id is not None
            else hours.group_scope(cohort_id)
            if cohort_id is not None
            else hours.ESTABLISHMENT
        )
        if kind == Rule.Kind.WEEKLY:
            if start is not None and end is not None:
                windows.append(
                    hours.Window(
                        scope, frozenset(d for d in range(7) if days & (1 << d)), start, end
                    )
                )
        elif first is not None:
            if last is None and not (learner_id is not None and kind == Rule.Kind.CLOSED):
                last = first  # only a learner's block lasts until lifted
            dated.append(hours.Dated(scope, hours.Kind(kind), first, last, start, end))
    return windows, dated


def decision_for(user: User, moment: datetime | None = None) -> hours.Decision:
    moment = moment or now()
    local_day = moment.astimezone(zone()).date()
    windows, dated = rules_of(user, local_day)
    return hours.decide(windows, dated, moment, zone())


def _in_language_of(user: User) -> translation.override:
    language = user.language if user.language in dict(settings.LANGUAGES) else None
    return translation.override(language or translation.get_language())


def check_sign_in(user: User, request: HttpRequest | None) -> None:
    """Refuse a learner's sign-in outside their hours (ValidationError saying when access
    opens, in their language), audited; anyone else passes."""
    if not limited(user):
        return
    moment = now()
    decision = decision_for(user, moment)
    if decision.open:
        return
    record_repeated(
        "hours.sign_in_refused",
        actor=None,
        actor_name=user.get_username(),
        target=user,
        about=user.get_username(),
        details={"opens": _iso(decision.opens)},
        request=request,
    )
    with _in_language_of(user):
        message = wording.sign_in_refused(decision.opens, moment)
    raise ValidationError(message, code="outside_hours")


def check_request(request: HttpRequest) -> str | None:
    """For a signed-in learner outside their hours: the message to show once signed out (the
    caller signs them out); None otherwise. Audits the session it closes."""
    user = request.user
    if not limited(user):
        return None
    moment = now()
    seconds = int(moment.timestamp())
    if request.session.get(UNTIL_KEY, 0) > seconds:
        return None
    decision = decision_for(user, moment)  # type: ignore[arg-type]
    if _note_open(request, decision, seconds):
        return None
    record(
        "hours.session_closed",
        actor=user,
        target=user,  # type: ignore[arg-type]
        details={"opens": _iso(decision.opens)},
        request=request,
    )
    with _in_language_of(user):  # type: ignore[arg-type]
        return wording.session_closed(decision.opens, moment)


def note_sign_in(request: HttpRequest, user: object) -> None:
    """At sign-in: the hours are read once here, so a learner's first page costs what the next
    ones do (outside hours, nothing is noted and that first page ends the session)."""
    if limited(user):
        moment = now()
        _note_open(request, decision_for(user, moment), int(moment.timestamp()))  # type: ignore[arg-type]


def _note_open(request: HttpRequest, decision: hours.Decision, seconds: int) -> bool:
    """When ``decision`` is open: note in the session until when it need not be read again."""
    if not decision.open:
        return False
    recheck = seconds + RECHECK_SECONDS
    closes = 0
    if decision.until is not None:
        closes = int(decision.until.timestamp())
        recheck = min(recheck, closes)
    request.session[UNTIL_KEY] = recheck
    if request.session.get(CLOSES_KEY, 0) != closes:
        request.session[CLOSES_KEY] = closes
    return True


def closing_soon(request: HttpRequest) -> datetime | None:
    """When a learner's access ends within the next half hour, read from their session (no
    query: the gate noted it at the last check, at most a minute ago); None otherwise."""
    if not limited(request.user):
        return None
    closes = request.session.get(CLOSES_KEY, 0)
    if not isinstance(closes, int) or closes <= 0:
        return None
    left = closes - int(now().timestamp())
    if not 0 < left <= CLOSING_SOON_SECONDS:
        return None
    return datetime.fromtimestamp(closes, UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None
