"""Staff's pages: access hours of an establishment, the sessions open on the box, the clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.access import actions, clock, gate, open_sessions, wording
from cartable.access import hours as rule
from cartable.access.forms import ClockForm, ExceptionForm, WindowForm
from cartable.access.models import OpenSession, Rule
from cartable.access.wording import clock_time, long_date
from cartable.accounts.access import role_required, staff_only
from cartable.accounts.models import Establishment, Role, User


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _establishment(request: HttpRequest, establishment_id: int) -> Establishment:
    try:
        return actions.managed_establishments(_actor(request)).get(pk=establishment_id)
    except Establishment.DoesNotExist:
        raise Http404 from None


def _rule(request: HttpRequest, rule_id: int) -> Rule:
    try:
        return (
            actions.managed_rules(_actor(request))
            .select_related("establishment", "cohort", "learner")
            .get(pk=rule_id)
        )
    except Rule.DoesNotExist:
        raise Http404 from None


@staff_only
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "access/index.html",
        {"establishments": actions.managed_establishments(_actor(request))},
    )


@staff_only
def hours(request: HttpRequest, establishment_id: int) -> HttpResponse:
    establishment = _establishment(request, establishment_id)
    rules = list(
        Rule.objects.filter(establishment=establishment).select_related("cohort", "learner")
    )
    return render(
        request,
        "access/hours.html",
        {
            "establishment": establishment,
            "time_zone": settings.TIME_ZONE,
            "weekly": [rule for rule in rules if rule.is_weekly],
            "exceptions": [rule for rule in rules if not rule.is_weekly],
            "window_form": WindowForm(establishment=establishment),
            "exception_form": ExceptionForm(establishment=establishment),
        },
    )


def _save(request: HttpRequest, form: Any, save: Any) -> bool:
    if not form.is_valid():
        return False
    try:
        save(form.fields_given())
    except actions.RuleError as error:
        form.add_error(None, str(error))
        return False
    return True


def _new(request: HttpRequest, establishment_id: int, form_class: Any, title: str) -> HttpResponse:
    establishment = _establishment(request, establishment_id)
    form = form_class(request.POST or None, establishment=establishment)
    if request.method == "POST" and _save(
        request,
        form,
        lambda fields: actions.create_rule(
            actor=_actor(request), establishment=establishment, fields=fields, request=request
        ),
    ):
        messages.success(request, _("Access hours saved."))
        return redirect("access:hours", establishment_id=establishment.pk)
    return render(
        request,
        "access/rule_form.html",
        {"form": form, "establishment": establishment, "title": title},
        status=400 if form.errors else 200,
    )


@staff_only
def window_new(request: HttpRequest, establishment_id: int) -> HttpResponse:
    return _new(request, establishment_id, WindowForm, _("New weekly hours"))


@staff_only
def exception_new(request: HttpRequest, establishment_id: int) -> HttpResponse:
    return _new(request, establishment_id, ExceptionForm, _("New exception"))


@staff_only
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule(request, rule_id)
    form_class = WindowForm if rule.is_weekly else ExceptionForm
    form = form_class(
        request.POST or None,
        establishment=rule.establishment,
        initial=form_class.initial_for(rule),
    )
    if request.method == "POST" and _save(
        request,
        form,
        lambda fields: actions.update_rule(
            actor=_actor(request), rule=rule, fields=fields, request=request
        ),
    ):
        messages.success(request, _("Access hours saved."))
        return redirect("access:hours", establishment_id=rule.establishment_id)
    title = _("Weekly hours") if rule.is_weekly else _("Exception")
    return render(
        request,
        "access/rule_form.html",
        {"form": form, "establishment": rule.establishment, "title": title, "rule": rule},
        status=400 if form.errors else 200,
    )


@staff_only
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponseBase:
    rule = _rule(request, rule_id)
    establishment_id = rule.establishment_id
    actions.delete_rule(actor=_actor(request), rule=rule, request=request)
    messages.success(request, _("Access hours deleted."))
    return redirect("access:hours", establishment_id=establishment_id)


# --- Sessions ------------------------------------------------------------------------------


@staff_only
def sessions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "access/sessions.html",
        {"sessions": open_sessions.listing(_actor(request), request)},
    )


@staff_only
@require_POST
def end_session(request: HttpRequest, session_id: int) -> HttpResponseBase:
    actor = _actor(request)
    try:
        session = open_sessions.visible_sessions(actor).get(pk=session_id)
    except OpenSession.DoesNotExist:
        raise Http404 from None
    try:
        open_sessions.end(actor=actor, session=session, request=request)
    except open_sessions.SessionError:
        raise PermissionDenied from None
    messages.success(
        request, _("The session of %(name)s has ended.") % {"name": session.user.display_name}
    )
    return redirect("access:sessions")


# --- Clock ---------------------------------------------------------------------------------


def _clock_page(request: HttpRequest, form: ClockForm, command: str = "") -> HttpResponse:
    now = gate.now()
    refs = clock.references()
    return render(
        request,
        "access/clock.html",
        {
            "now_date": long_date(now),
            "now_time": clock_time(now),
            "now": now,
            "time_zone": settings.TIME_ZONE,
            "refs": refs,
            "warnings": clock.warnings(refs, now),
            "form": form,
            "command": command,
            "automatic": bool(settings.CLOCK_COMMAND),
        },
        status=400 if form.errors else 200,
    )


@staff_only
def clock_page(request: HttpRequest) -> HttpResponse:
    return _clock_page(request, ClockForm())


@staff_only
@require_POST
def clock_set(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not actor.is_administrator:
        raise PermissionDenied
    form = ClockForm(request.POST)
    if not form.is_valid():
        return _clock_page(request, form)
    moment = form.cleaned_data["moment"]
    try:
        done = clock.set_clock(actor=actor, moment=moment, request=request)
    except clock.ClockError as error:
        form.add_error(None, str(error))
        return _clock_page(request, form)
    if done:
        messages.success(request, _("The box’s clock has been set."))
        return redirect("access:clock")
    return _clock_page(request, ClockForm(initial={"moment": moment}), clock.manual_command(moment))


@staff_only
@require_POST
def clock_confirm(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    if not actor.is_administrator:
        raise PermissionDenied
    clock.confirm(actor=actor, request=request)
    messages.success(request, _("The clock is noted as right."))
    return redirect("access:clock")


CLOSED_DAYS_AHEAD = 30


@role_required(Role.LEARNER)
def my_hours(request: HttpRequest) -> HttpResponse:
    """A learner's own hours for the coming week (one query: ``gate.rules_of``), and the whole
    days closed in the next month."""
    user = _actor(request)
    today = gate.now().astimezone(gate.zone()).date()
    windows, dated = gate.rules_of(user, today)
    week = [
        {
            "day": wording.day_name(day),
            "today": day == today,
            "all_day": spans == [(0, rule.DAY)],
            "spans": [(wording.minute_time(s), wording.minute_time(e)) for s, e in spans],
        }
        for day, spans in rule.days_open(windows, dated, today)
    ]
    ahead = today + timedelta(days=CLOSED_DAYS_AHEAD)
    closed = [
        {
            "first": wording.day_name(max(d.first, today)),
            "last": wording.day_name(d.last) if d.last is not None and d.last > d.first else "",
            "lifted": d.last is None,
            "own": d.scope == rule.LEARNER,
        }
        for d in rule.closed_days(dated, today, ahead)
    ]
    return render(
        request,
        "access/my_hours.html",
        {"week": week, "closed": closed},
    )
