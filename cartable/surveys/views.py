"""Learners answer choices and surveys here (plain forms that post, no JavaScript); the
course's teachers and staff preview them and read their results."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cartable.accounts.models import Role, User
from cartable.catalog.access import reader_rule
from cartable.catalog.kinds import kind_of
from cartable.catalog.rendering import CourseLinks
from cartable.importers.model import ChoiceContent, FeedbackContent
from cartable.learning.plans import course_learners
from cartable.surveys import actions, csvfile, items, rules
from cartable.surveys.access import Found, find, for_results
from cartable.surveys.models import ChoiceAnswer, FeedbackMark, FeedbackResponse, FeedbackValue

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
ITEM_ERRORS = {
    "required": gettext_lazy("This question needs an answer."),
    "number": gettext_lazy("Write a number, for instance 12 or 12.5."),
    "range": gettext_lazy("This number is outside the range allowed."),
    "length": gettext_lazy("This answer is too long."),
    "option": gettext_lazy("This answer is not one of the options."),
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
        removing = request.POST.get("remove") == "1"
        try:
            if removing:
                actions.remove_choice(actor=found.user, activity=found.activity, request=request)
            elif chosen is None:
                raise actions.Refused("unknown")
            else:
                actions.answer_choice(
                    actor=found.user, activity=found.activity, options=chosen, request=request
                )
        except actions.Refused as refused:
            error = str(REFUSALS.get(refused.code, REFUSALS["unknown"]))
        else:
            messages.success(
                request, _("Your answer is removed.") if removing else _("Your answer is saved.")
            )
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
    unanswered = _unanswered(found, data) if shown and data.show_unanswered else None
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
        "preview": not found.sees_all and rules.choice_preview(data, now),
        "unanswered": unanswered,
        "total": total,
        "links": CourseLinks(found.course, rule=reader_rule(found.user, sees_all=found.sees_all)),
    }


def _unanswered(found: Found, data: ChoiceContent) -> dict[str, Any] | None:
    """Who has not answered yet, for a learner's results (Moodle's "show unanswered"): their
    names when the choice's results name people, their number only otherwise. None for
    teachers and staff, whose results page says it."""
    if found.sees_all:
        return None
    waiting = course_learners(found.course, found.user).exclude(
        Exists(ChoiceAnswer.objects.filter(activity=found.activity, user=OuterRef("pk")))
    )
    if not data.publish_names:
        return {"count": waiting.count(), "names": []}
    names = [person.display_name for person in waiting]
    return {"count": len(names), "names": names}


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
            "show_unanswered": data.show_unanswered,
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


# --- Survey (Moodle's feedback) ------------------------------------------------------------


def _feedback_data(found: Found) -> FeedbackContent:
    data = kind_of("feedback").read(found.activity.data)
    if not isinstance(data, FeedbackContent):
        return FeedbackContent((), True)
    return data


def feedback(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponseBase:
    found = find(request, course_id, activity_id, "feedback")
    data = _feedback_data(found)
    # A survey of several pages, one page at a time; a post of the whole survey at once (no
    # page named: a form of before, a device posting every answer) is taken whole, below.
    turning = request.method != "POST" or "go" in request.POST or "page" in request.POST
    if not found.sees_all and turning and len(items.pages(items.questions(data.items))) > 1:
        from cartable.surveys import paged  # it builds on this module's page

        return paged.feedback(request, found, data)
    error = ""
    errors: dict[int, str] = {}
    posted: dict[str, list[str]] | None = None
    if request.method == "POST":
        if found.sees_all:
            raise PermissionDenied  # teachers and staff preview a survey; learners answer it
        posted = {key: request.POST.getlist(key) for key in request.POST if key.startswith("item-")}
        try:
            actions.submit_feedback(
                actor=found.user, activity=found.activity, posted=posted, request=request
            )
        except actions.Refused as refused:
            error = str(REFUSALS.get(refused.code, REFUSALS["unknown"]))
        except actions.Invalid as invalid:
            error, errors = str(REFUSALS["invalid"]), invalid.errors
        else:
            messages.success(request, _("Your answers are saved. Thank you."))
            return redirect(
                "surveys:feedback", course_id=found.course.pk, activity_id=found.activity.pk
            )
    context = _feedback_page(found, data, posted, errors)
    context["error"] = error
    return render(request, "surveys/feedback.html", context, status=400 if error else 200)


def earlier_answers(found: Found, asked: list[items.Question]) -> dict[str, list[str]]:
    """The learner's last response, as posted answers: answering a survey that is not
    anonymous again replaces the response, so the form starts from it, as Moodle does."""
    given: dict[str, list[str]] = {}
    several = {one.item.source_id for one in asked if one.kind == "checkbox"}
    for item, value in FeedbackValue.objects.filter(
        response__activity=found.activity, response__user=found.user
    ).values_list("item", "value"):
        given[f"item-{item}"] = value.split(items.LINE_SEP) if item in several else [value]
    return given


def _feedback_page(
    found: Found,
    data: FeedbackContent,
    posted: dict[str, list[str]] | None,
    errors: dict[int, str],
    *,
    only: frozenset[int] | None = None,
) -> dict[str, Any]:
    """The survey page's context; ``only``: the items of the page shown (a survey of several
    pages), numbered as in the whole survey."""
    now = timezone.now()
    asked = items.questions(data.items)
    answered = 0
    if not found.sees_all:
        answered = (
            FeedbackMark.objects.filter(activity=found.activity, user=found.user)
            .values_list("responses", flat=True)
            .first()
            or 0
        )
    state = rules.state(data.opens, data.closes, now)
    may_answer = not found.sees_all and state == "open" and (not answered or data.multiple_submit)
    given: dict[str, list[str]] = posted or {}
    if posted is None and may_answer and answered and not data.anonymous:
        given = earlier_answers(found, asked)
    rows = []
    number = 0
    for one in asked:
        if one.answered:
            number += 1
        if only is not None and one.item.source_id not in only:
            continue
        values = given.get(one.key, [])
        rows.append(
            {
                "q": one,
                "number": number if one.answered else None,
                "values": values,
                "value": values[0] if values else "",
                "options": [
                    {"value": str(index), "text": text, "checked": str(index) in values}
                    for index, text in enumerate(one.options, start=1)
                ],
                "error": str(ITEM_ERRORS.get(errors.get(one.item.source_id, ""), "")),
                "depends_on": _depends_on(one, asked),
            }
        )
    shown = bool(answered) and data.publish_stats and not found.sees_all
    return {
        "course": found.course,
        "activity": found.activity,
        "data": data,
        "rows": rows,
        "state": state,
        "answered": answered,
        "learner": not found.sees_all,
        "may_answer": may_answer,
        "links": CourseLinks(found.course, rule=reader_rule(found.user, sees_all=found.sees_all)),
        "analysis": _analysis(asked, _responses(found, data, everyone=True), texts=False)
        if shown
        else None,
    }


def _depends_on(one: items.Question, asked: list[items.Question]) -> dict[str, str] | None:
    if not one.item.depend_item:
        return None
    for earlier in asked:
        if earlier.item.source_id == one.item.depend_item:
            return {"name": earlier.title, "value": one.item.depend_value}
    return None


def _responses(found: Found, data: FeedbackContent, *, everyone: bool = False) -> Any:
    """The survey's responses ``found.user`` may read: named ones of the learners they may
    follow; anonymous ones, for staff, of their establishment's learners. ``everyone``: all
    (counts a learner sees when the survey publishes them)."""
    responses = FeedbackResponse.objects.filter(activity=found.activity)
    if everyone:
        return responses
    if not data.anonymous:
        return responses.filter(user__in=course_learners(found.course, found.user))
    if found.user.role == Role.STAFF:
        return responses.filter(establishment_id=found.user.establishment_id or -1)
    return responses


def _analysis(asked: list[items.Question], responses: Any, *, texts: bool) -> list[dict[str, Any]]:
    """Per item: counts per option, or count, mean, lowest and highest of numbers, or (for
    ``texts``) the texts written, in no particular order."""
    by_item: dict[int, list[str]] = {}
    for item, value in FeedbackValue.objects.filter(response__in=responses).values_list(
        "item", "value"
    ):
        by_item.setdefault(item, []).append(value)
    found = []
    for one in asked:
        if not one.answered:
            continue
        values = by_item.get(one.item.source_id, [])
        row: dict[str, Any] = {"q": one, "count": len(values)}
        if one.kind in ("radio", "dropdown", "checkbox"):
            counts = [0] * len(one.options)
            for value in values:
                for part in value.split(items.LINE_SEP):
                    if part.isdigit() and 1 <= int(part) <= len(counts):
                        counts[int(part) - 1] += 1
            row["options"] = [
                {
                    "text": text,
                    "count": count,
                    "percent": round(100 * count / len(values)) if values else 0,
                }
                for text, count in zip(one.options, counts, strict=True)
            ]
        elif one.kind == "number":
            numbers = [float(value) for value in values if _is_number(value)]
            if numbers:
                row["mean"] = round(sum(numbers) / len(numbers), 2)
                row["low"], row["high"] = min(numbers), max(numbers)
        elif texts:
            row["texts"] = sorted(values)
        found.append(row)
    return found


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def feedback_results(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    found = for_results(request, course_id, activity_id, "feedback")
    data = _feedback_data(found)
    asked = items.questions(data.items)
    responses = _responses(found, data)
    people = list(course_learners(found.course, found.user))
    done = set(
        FeedbackMark.objects.filter(
            activity=found.activity, user__in=[person.pk for person in people], responses__gt=0
        ).values_list("user_id", flat=True)
    )
    named: list[dict[str, Any]] = []
    if not data.anonymous:
        named = _named_rows(asked, responses)
    return render(
        request,
        "surveys/feedback_results.html",
        {
            "course": found.course,
            "activity": found.activity,
            "data": data,
            "analysis": _analysis(asked, responses, texts=True),
            "responses": responses.count(),
            "answered": len(done),
            "learners": len(people),
            "named": named,
        },
    )


def _named_rows(asked: list[items.Question], responses: Any) -> list[dict[str, Any]]:
    """Each named response, with its learner and answers as read (surveys that are not
    anonymous only)."""
    by_id = {one.item.source_id: one for one in asked}
    values: dict[Any, dict[int, str]] = {}
    for response_id, item, value in FeedbackValue.objects.filter(
        response__in=responses
    ).values_list("response_id", "item", "value"):
        if item in by_id:
            values.setdefault(response_id, {})[item] = items.shown(value, by_id[item])
    rows = []
    for response in responses.select_related("user").order_by(
        "user__last_name", "user__first_name", "user__username"
    ):
        answers = values.get(response.pk, {})
        rows.append(
            {
                "user": response.user,
                "at": response.submitted_at,
                "answers": [
                    {"title": one.title, "answer": answers.get(one.item.source_id, "")}
                    for one in asked
                    if one.answered
                ],
            }
        )
    return rows


def feedback_csv(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    found = for_results(request, course_id, activity_id, "feedback")
    data = _feedback_data(found)
    asked = [one for one in items.questions(data.items) if one.answered]
    by_id = {one.item.source_id: one for one in asked}
    responses = _responses(found, data)
    values: dict[Any, dict[int, str]] = {}
    for response_id, item, value in FeedbackValue.objects.filter(
        response__in=responses
    ).values_list("response_id", "item", "value"):
        if item in by_id:
            values.setdefault(response_id, {})[item] = items.shown(value, by_id[item])
    header: list[str] = [] if data.anonymous else [_("Username"), _("Last name"), _("First name")]
    header += [_("Date")] + [one.title or one.item.label for one in asked]
    rows = []
    # Anonymous: in the random order of their keys; named: by name.
    order = ("pk",) if data.anonymous else ("user__last_name", "user__first_name", "pk")
    for response in responses.select_related("user").order_by(*order):
        person: list[str] = []
        if not data.anonymous and response.user is not None:
            person = [response.user.username, response.user.last_name, response.user.first_name]
        answers = values.get(response.pk, {})
        rows.append(
            person
            + [response.submitted_on.isoformat()]
            + [answers.get(one.item.source_id, "") for one in asked]
        )
    return csvfile.download(f"survey-{found.activity.pk}", header, rows)
