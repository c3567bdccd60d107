"""Learners answer choices and surveys here (plain forms that post, no JavaScript); the
course's teachers and staff preview them and read their results."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cartable.accounts.models import User
from cartable.catalog.kinds import kind_of
from cartable.importers.model import ChoiceContent
from cartable.learning.plans import course_learners
from cartable.surveys import actions, csvfile, rules
from cartable.surveys.access import Found, find, for_results
from cartable.surveys.models import ChoiceAnswer

REFUSALS = {
    "not_open": gettext_lazy("This activity is not open yet."),
    "closed": gettext_lazy("This activity is closed: answers are no longer taken."),
    "no_update": gettext_lazy("You have already answered, and this choice cannot be changed."),
    "empty": gettext_lazy("Choose an answer."),
    "unknown": gettext_lazy("This answer is not one of the options."),
    "one_only": gettext_lazy("Choose one answer only."),
    "full": gettext_lazy("This option is full: choose another one."),
    "once": gettext_lazy("You have already answered this survey."),
    "invalid": gettext_lazy("Some answers need your attention: see below."),
}


def _ids(values: list[str]) -> list[int] | None:
    """Posted option ids, or None if one is not a number."""
    found = []
    for value in values:
        if not (value.isascii() and value.isdigit()) or len(value) > 12:
            return None
        found.append(int(value))
    return found


# --- Choice --------------------------------------------------------------------------------


def _choice_data(found: Found) -> ChoiceContent:
    data = kind_of("choice").read(found.activity.data)
    if not isinstance(data, ChoiceContent):
        return ChoiceContent((), False, False, False, rules.RESULTS_NEVER, None, None)
    return data


def choice(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponseBase:
    found = find(request, course_id, activity_id, "choice")
    data = _choice_data(found)
    error = ""
    if request.method == "POST":
        if found.sees_all:
            raise PermissionDenied  # teachers and staff preview a choice; learners answer it
        chosen = _ids(request.POST.getlist("option"))
        try:
            if chosen is None:
                raise actions.Refused("unknown")
            actions.answer_choice(
                actor=found.user, activity=found.activity, options=chosen, request=request
            )
        except actions.Refused as refused:
            error = str(REFUSALS.get(refused.code, REFUSALS["unknown"]))
        else:
            messages.success(request, _("Your answer is saved."))
            return redirect(
                "surveys:choice", course_id=found.course.pk, activity_id=found.activity.pk
            )
    context = _choice_page(found, data)
    context["error"] = error
    return render(request, "surveys/choice.html", context, status=400 if error else 200)


def _choice_page(found: Found, data: ChoiceContent) -> dict[str, Any]:
    now = timezone.now()
    mine: set[int] = set()
    if not found.sees_all:
        mine = set(
            ChoiceAnswer.objects.filter(activity=found.activity, user=found.user).values_list(
                "option", flat=True
            )
        )
    answered = bool(mine)
    state = rules.state(data.opens, data.closes, now)
    shown = found.sees_all or rules.choice_results_shown(data, now, answered=answered)
    counts = actions.choice_counts(found.activity) if (shown or data.limit_answers) else {}
    names: dict[int, list[str]] = {}
    if shown and data.publish_names and not found.sees_all:
        for option_id, first, last, username in (
            ChoiceAnswer.objects.filter(activity=found.activity)
            .order_by("user__last_name", "user__first_name", "user__username")
            .values_list("option", "user__first_name", "user__last_name", "user__username")
        ):
            names.setdefault(option_id, []).append(f"{first} {last}".strip() or username)
    total = sum(counts.get(option.source_id, 0) for option in data.options)
    options: list[dict[str, Any]] = []
    for option in data.options:
        count = counts.get(option.source_id, 0)
        full = data.limit_answers and rules.is_full(option, count)
        options.append(
            {
                "id": option.source_id,
                "text": option.text,
                "checked": option.source_id in mine,
                "disabled": full and option.source_id not in mine,
                "places": max(0, option.max_answers - count) if data.limit_answers else None,
                "count": count,
                "names": names.get(option.source_id, []),
                "percent": round(100 * count / total) if total else 0,
            }
        )
    return {
        "course": found.course,
        "activity": found.activity,
        "data": data,
        "options": options,
        "state": state,
        "answered": answered,
        "learner": not found.sees_all,
        "may_answer": not found.sees_all
        and state == "open"
        and (not answered or data.allow_update),
        "results_shown": shown and not found.sees_all,
        "total": total,
    }


def _choice_answers(found: Found) -> tuple[list[User], dict[int, list[ChoiceAnswer]]]:
    """The learners ``found.user`` may follow, and their answers by learner."""
    people = list(course_learners(found.course, found.user))
    answers: dict[int, list[ChoiceAnswer]] = {}
    for answer in ChoiceAnswer.objects.filter(
        activity=found.activity, user__in=[person.pk for person in people]
    ).order_by("option"):
        answers.setdefault(answer.user_id, []).append(answer)
    return people, answers


def choice_results(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    found = for_results(request, course_id, activity_id, "choice")
    data = _choice_data(found)
    people, answers = _choice_answers(found)
    by_option: dict[int, list[str]] = {option.source_id: [] for option in data.options}
    waiting = []
    for person in people:
        held = answers.get(person.pk, [])
        if not held:
            waiting.append(person.display_name)
        for answer in held:
            by_option.setdefault(answer.option, []).append(person.display_name)
    answered = len(people) - len(waiting)
    rows = [
        {
            "text": option.text,
            "names": by_option.get(option.source_id, []),
            "count": len(by_option.get(option.source_id, [])),
            "limit": option.max_answers if data.limit_answers else None,
        }
        for option in data.options
    ]
    return render(
        request,
        "surveys/choice_results.html",
        {
            "course": found.course,
            "activity": found.activity,
            "rows": rows,
            "waiting": waiting,
            "answered": answered,
            "learners": len(people),
        },
    )


def choice_csv(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    found = for_results(request, course_id, activity_id, "choice")
    data = _choice_data(found)
    texts = {option.source_id: option.text for option in data.options}
    people, answers = _choice_answers(found)
    rows = [
        (
            person.username,
            person.last_name,
            person.first_name,
            texts.get(answer.option, ""),
            timezone.localtime(answer.answered_at).strftime("%Y-%m-%d %H:%M"),
        )
        for person in people
        for answer in answers.get(person.pk, [])
    ]
    header = (_("Username"), _("Last name"), _("First name"), _("Option"), _("Answered at"))
    return csvfile.download(f"choice-{found.activity.pk}", header, rows)
