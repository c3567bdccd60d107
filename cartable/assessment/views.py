"""Quiz pages: the quiz's summary (attempts, grades, start or continue), an attempt page by
page (a plain form per page that saves every answer it shows), the summary before finishing,
the review, and teachers' previews. Every attempt is looked up for its own user only."""

from __future__ import annotations

import functools
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import F, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.accounts.access import signed_in
from cartable.accounts.models import User
from cartable.assessment import (
    actions,
    attachment_views,
    building,
    certainty,
    engine,
    overriding,
    scoring,
)
from cartable.assessment import render as shown
from cartable.assessment.forms import QuizForm
from cartable.assessment.forms import initial as initial_values
from cartable.assessment.models import Attempt, AttemptQuestion
from cartable.assessment.scoring import quiz as quizzes
from cartable.catalog.access import BIGGEST, activity_for, course_for, reader_rule, sees_all_of
from cartable.catalog.models import MADE_ON_BOX, Activity, Course, Section
from cartable.catalog.models import Question as QuestionRow
from cartable.catalog.rendering import CourseLinks
from cartable.compiled import PLACEHOLDERS, Models, compile_models
from cartable.grades import hiding
from cartable.grades.models import Grade
from cartable.importers.model import QuizContent
from cartable.learning.gate import holds

# Teachers' previews show everything, at every moment.
EVERYTHING = quizzes.ReviewOptions(
    attempt=True,
    correctness=True,
    marks="mark_and_max",
    specific_feedback=True,
    general_feedback=True,
    right_answer=True,
    overall_feedback=True,
    num_parts_correct=True,
    manual_comment=True,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _quiz_for(
    user: User, course_id: int, activity_id: int
) -> tuple[Course, Activity, QuizContent, bool]:
    """The quiz the user may open (404 otherwise; 403 while its access rule holds them)."""
    found = course_for(user, course_id)
    try:
        item = activity_for(user, found, activity_id)
    except Http404:
        item = _waiting_quiz(user, found, activity_id)
    if item.kind != Activity.Kind.QUIZ:
        raise Http404
    try:
        quiz = engine.settings_of(item)
    except engine.NotAQuiz:
        raise Http404 from None
    sees_all = sees_all_of(user, found)
    if not sees_all and holds(user, found, item):
        raise PermissionDenied
    item.course = found  # read already: the actions need not read it again
    return found, item, quiz, sees_all


def _waiting_quiz(user: User, course: Course, activity_id: int) -> Activity:
    """A quiz built on the box that waits for staff's approval, for those who build the
    course's quizzes (its teachers): they preview it before staff approve it; learners never
    reach it (404)."""
    if not actions.may_build(user, course):
        raise Http404
    item = (
        Activity.objects.filter(
            course=course,
            pk=activity_id,
            kind=Activity.Kind.QUIZ,
            retired_at__isnull=True,
            source_key__startswith=MADE_ON_BOX,
        )
        .select_related("section")
        .first()
    )
    if item is None:
        raise Http404
    return item


def _attempt_for(user: User, attempt_id: int) -> tuple[Attempt, Course, Activity, QuizContent]:
    """One of the user's own attempts (anyone else's is a 404), on a quiz they may still
    open."""
    if not -BIGGEST < int(attempt_id) < BIGGEST:
        raise Http404  # (no id column holds it: nothing found, as the ORM says)
    attempt = _attempt_query(router.db_for_read(Attempt)).first(int(attempt_id), user.pk)
    if attempt is None:
        raise Http404
    found, item, quiz, sees_all = _quiz_for(user, attempt.course_id, attempt.activity_id)
    if attempt.preview and not sees_all:
        raise Http404
    attempt.activity = item
    return attempt, found, item, quiz


@functools.cache
def _attempt_query(alias: str) -> Models:
    """The attempt of an id and a user, with its quiz's course id only (``_quiz_for`` reads
    the quiz as the user may see it): every quiz page and save asks, so it is compiled once."""
    query = (
        Attempt.objects.filter(pk=PLACEHOLDERS[0], user_id=PLACEHOLDERS[1])
        .annotate(course_id=F("activity__course_id"))
        .order_by("pk")[:1]
    )
    return compile_models(query, alias)


def _options(attempt: Attempt, quiz: QuizContent, now: datetime) -> quizzes.ReviewOptions:
    if attempt.preview:
        return EVERYTHING
    moment = quizzes.moment(finished_at=attempt.finished_at, now=now, closes=quiz.closes)
    return quizzes.review_options(quiz.review, moment)


def time_left(deadline: datetime | None, now: datetime) -> str:
    if deadline is None:
        return ""
    seconds = max(0, int((deadline - now).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min %(seconds)02d s") % {"minutes": minutes, "seconds": seconds}


def _numbers(attempt: Attempt, informational: set[int]) -> dict[int, int]:
    """Question numbers as shown (descriptions have none), in the attempt's page order."""
    numbers: dict[int, int] = {}
    for page in attempt.pages:
        for slot in page:
            if slot not in informational:
                numbers[slot] = len(numbers) + 1
    return numbers


def _informational(loaded: dict[int, engine.Loaded]) -> set[int]:
    return {slot for slot, item in loaded.items() if item.prepared.informational}


# --- The quiz's page --------------------------------------------------------------------------


@signed_in
def quiz(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    user = _user(request)
    found, item, settings, sees_all = _quiz_for(user, course_id, activity_id)
    if not sees_all:  # the learner's own dates, time limit, attempts and password
        settings = overriding.for_learner(item, user, settings)
    now = timezone.now()
    # The released grade read with the attempts (one query); alone when there is none.
    released = Grade.objects.filter(
        hiding.shown_q(now, "activity__"), activity=item, user=user, released_at__lte=now
    )
    attempts = list(
        Attempt.objects.filter(user=user, activity=item, preview=False)
        .annotate(
            released_id=Subquery(released.values("pk")[:1]),
            released_grade=Subquery(released.values("grade")[:1]),
            released_max=Subquery(released.values("max_grade")[:1]),
        )
        .order_by("number")
    )
    grade: Grade | None = None
    if not attempts:
        grade = released.first()
    elif attempts[0].released_id is not None:
        first = attempts[0]
        grade = Grade(
            pk=first.released_id,
            grade=first.released_grade,
            max_grade=first.released_max,
        )
    for attempt in attempts:
        if attempt.is_open and actions.close_if_overdue(attempt, now=now):
            attempt.refresh_from_db()
            grade = released.first()  # closed now: its grade may be recorded now
    rows = []
    for attempt in attempts:
        options = _options(attempt, settings, now)
        finished = attempt.state == Attempt.State.FINISHED
        rows.append(
            {
                "attempt": attempt,
                "grade": attempt.grade if finished and options.marks == "mark_and_max" else None,
                "review": finished and options.attempt,
            }
        )
    current = next((a for a in attempts if a.is_open), None)
    taken = sum(1 for a in attempts if not a.is_open)
    feedback = None
    done = [a for a in attempts if a.state == Attempt.State.FINISHED]
    if (
        grade is not None
        and grade.grade is not None
        and done
        and _options(done[-1], settings, now).overall_feedback
    ):
        band = quizzes.overall_feedback(grade.grade, settings.feedbacks)
        feedback = band.text if band is not None else None
    reason = None if current else actions.may_start(settings, taken, now)
    preview, questions = None, []
    if sees_all:
        preview = Attempt.objects.filter(user=user, activity=item, preview=True).first()
        questions = _slot_questions(found, settings)
    context: dict[str, Any] = {
        "course": found,
        "activity": item,
        "quiz": settings,
        "links": CourseLinks(found, rule=reader_rule(user, sees_all=sees_all)),
        "rows": rows,
        "current": current,
        "reason": reason,
        "grade": grade,
        "feedback": feedback,
        "sees_all": sees_all,
        "preview": preview,
        "questions": questions,
        "time_limit": time_left(now + timedelta(seconds=settings.time_limit), now)
        if settings.time_limit
        else "",
        "attempts_left": max(settings.attempts - taken, 0) if settings.attempts else None,
    }
    return render(request, "assessment/quiz.html", context)


def _slot_questions(course: Course, settings: QuizContent) -> list[dict[str, Any]]:
    """The quiz's slots for its teachers: each fixed slot's question (to preview it), or the
    category a random slot draws from."""
    ids = [slot.question_id for slot in settings.slots if slot.question_id is not None]
    rows = {
        source_id: (pk, name, qtype)
        for source_id, pk, name, qtype in QuestionRow.objects.filter(
            course=course, source_id__in=ids, retired_at__isnull=True
        ).values_list("source_id", "pk", "name", "qtype")
    }
    found = []
    for slot in sorted(settings.slots, key=lambda s: s.slot):
        row = rows.get(slot.question_id) if slot.question_id is not None else None
        found.append(
            {
                "slot": slot.slot,
                "mark": slot.max_mark,
                "random": slot.random is not None,
                "pk": row[0] if row else None,
                "name": row[1] if row else "",
                "qtype": row[2] if row else "",
            }
        )
    return found


@require_POST
@signed_in
def start(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponseBase:
    """Start (or continue) an attempt; a teacher's or staff's is a preview."""
    user = _user(request)
    found, item, _settings, sees_all = _quiz_for(user, course_id, activity_id)
    try:
        given = request.POST.get("password")
        attempt = actions.start(
            actor=user,
            activity=item,
            preview=sees_all,
            password=given[:1000] if isinstance(given, str) else None,
            language=getattr(request, "LANGUAGE_CODE", "fr"),
            request=request,
        )
    except actions.Refused as refusal:
        messages.error(request, str(refusal))
        return redirect("assessment:quiz", course_id=found.pk, activity_id=item.pk)
    page = attempt.current_page + 1 if _sequential(_settings) else 1
    return redirect("assessment:attempt", attempt_id=attempt.pk, page=page)


def _sequential(settings: QuizContent) -> bool:
    return settings.navigation == "sequential"


# --- An attempt, page by page -----------------------------------------------------------------


def _closed(request: HttpRequest, attempt: Attempt) -> HttpResponseBase:
    messages.info(request, _("This attempt is over: it was submitted with the answers saved."))
    return redirect("assessment:review", attempt_id=attempt.pk)


@signed_in
def attempt_page(request: HttpRequest, attempt_id: int, page: int) -> HttpResponseBase:
    user = _user(request)
    attempt, found, item, settings = _attempt_for(user, attempt_id)
    now = timezone.now()
    if not attempt.is_open:
        return redirect("assessment:review", attempt_id=attempt.pk)
    if actions.close_if_overdue(attempt, now=now):
        return _closed(request, attempt)
    index = page - 1
    if not 0 <= index < len(attempt.pages):
        raise Http404
    sequential = _sequential(settings)
    if sequential and index < attempt.current_page:
        return redirect("assessment:attempt", attempt_id=attempt.pk, page=attempt.current_page + 1)
    if sequential and index > attempt.current_page:
        raise Http404
    if request.method == "POST":
        return _save(request, user, attempt, index, settings)
    loaded, informational, held = engine.load_page(attempt, attempt.pages[index])
    numbers = _numbers(attempt, informational)
    options = _options(attempt, settings, now)
    links = CourseLinks(found, rule=reader_rule(user, sees_all=attempt.preview))
    blocked = quizzes.blocked_slots(settings.slots, settings.sections, settings.navigation, held)
    questions = [
        {"blocked": True, "number": numbers.get(slot)}
        if slot in blocked
        else shown.show(loaded[slot], links, options, number=numbers.get(slot), editable=True)
        for slot in attempt.pages[index]
        if slot in loaded
    ]
    return render(
        request,
        "assessment/attempt.html",
        {
            "course": found,
            "activity": item,
            "attempt": attempt,
            "questions": questions,
            "multipart": any(getattr(q, "upload", None) for q in questions),
            "page": page,
            "pages": range(1, len(attempt.pages) + 1),
            "last": page == len(attempt.pages),
            "sequential": sequential,
            "time_left": time_left(attempt.deadline, now),
        },
    )


def _target(post: Any, name: str) -> int | None:
    value = post.get(name, "")
    return (
        int(value)
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 7
        else None
    )


def _save(
    request: HttpRequest, user: User, attempt: Attempt, index: int, settings: QuizContent
) -> HttpResponseBase:
    sequential = _sequential(settings)
    post = request.POST
    check, try_again = _target(post, "check"), _target(post, "tryagain")
    try:
        files = attachment_views.uploaded(request, attempt, attempt.pages[index])
    except attachment_views.Refused as refusal:
        messages.error(request, refusal.message)  # nothing saved: the page shows what was
        return redirect("assessment:attempt", attempt_id=attempt.pk, page=index + 1)
    try:
        saved = actions.save(
            actor=user,
            attempt=attempt,
            page=index,
            quiz=settings,
            form=post,
            check=check,
            try_again=try_again,
            request=request,
            files=files,
        )
    except actions.SavedElsewhere as refusal:
        messages.error(request, str(refusal))
        return redirect("assessment:attempt", attempt_id=attempt.pk, page=index + 1)
    if not saved:
        return _closed(request, attempt)
    count = len(attempt.pages)
    goto = _target(post, "goto")
    if check is not None or try_again is not None:
        destination = index
    elif "summary" in post or ("next" in post and index + 1 >= count):
        if sequential:
            actions.turn_page(attempt=attempt, page=count - 1)
        return redirect("assessment:summary", attempt_id=attempt.pk)
    elif "next" in post:
        destination = index + 1
    elif "previous" in post and not sequential:
        destination = max(index - 1, 0)
    elif goto is not None and not sequential and 1 <= goto <= count:
        destination = goto - 1
    else:
        destination = index
    if sequential and destination > index:
        actions.turn_page(attempt=attempt, page=destination)
    return redirect(
        reverse("assessment:attempt", args=[attempt.pk, destination + 1])
        + (f"#q{check or try_again}" if check or try_again else "")
    )


@signed_in
def summary(request: HttpRequest, attempt_id: int) -> HttpResponseBase:
    """The attempt's questions, answered or not, before the learner submits it all."""
    user = _user(request)
    attempt, found, item, settings = _attempt_for(user, attempt_id)
    now = timezone.now()
    if not attempt.is_open:
        return redirect("assessment:review", attempt_id=attempt.pk)
    if actions.close_if_overdue(attempt, now=now):
        return _closed(request, attempt)
    if request.method == "POST":
        actions.finish(actor=user, attempt=attempt, request=request)
        if _options(attempt, settings, timezone.now()).attempt:
            return redirect("assessment:review", attempt_id=attempt.pk)
        return redirect("assessment:quiz", course_id=found.pk, activity_id=item.pk)
    loaded = engine.load_all(attempt)
    numbers = _numbers(attempt, _informational(loaded))
    rows = []
    for page, slots in enumerate(attempt.pages, start=1):
        for slot in slots:
            if slot in numbers:
                question = loaded[slot]
                answered = question.prepared.is_gradable(
                    question.attempt.response or question.prepared.empty()
                )
                rows.append({"number": numbers[slot], "page": page, "answered": answered})
    return render(
        request,
        "assessment/summary.html",
        {
            "course": found,
            "activity": item,
            "attempt": attempt,
            "rows": rows,
            "sequential": _sequential(settings),
            "time_left": time_left(attempt.deadline, now),
        },
    )


@signed_in
def review(request: HttpRequest, attempt_id: int) -> HttpResponseBase:
    """A finished attempt, showing exactly what the review options allow now."""
    user = _user(request)
    attempt, found, item, settings = _attempt_for(user, attempt_id)
    now = timezone.now()
    if attempt.is_open and not actions.close_if_overdue(attempt, now=now):
        return redirect("assessment:attempt", attempt_id=attempt.pk, page=attempt.current_page + 1)
    attempt.refresh_from_db()
    if not attempt.preview:  # "after the quiz closes" is the learner's own close date
        settings = overriding.for_learner(item, user, settings)
    options = _options(attempt, settings, now)
    questions = []
    certainties: list[certainty.Block] = []
    if options.attempt:
        loaded = engine.load_all(attempt)
        if options.marks == "mark_and_max":
            certainties = certainty.summary(loaded.values())
        numbers = _numbers(attempt, _informational(loaded))
        links = CourseLinks(found, rule=reader_rule(user, sees_all=attempt.preview))
        questions = [
            shown.show(loaded[slot], links, options, number=numbers.get(slot), editable=False)
            for page in attempt.pages
            for slot in page
            if slot in loaded
        ]
    feedback = None
    if options.overall_feedback and attempt.grade is not None:
        band = quizzes.overall_feedback(attempt.grade, settings.feedbacks)
        feedback = band.text if band is not None else None
    return render(
        request,
        "assessment/review.html",
        {
            "course": found,
            "activity": item,
            "attempt": attempt,
            "options": options,
            "questions": questions,
            "certainties": certainties,
            "feedback": feedback,
            "links": CourseLinks(found, rule=reader_rule(user, sees_all=attempt.preview)),
        },
    )


# --- Teachers' preview of one question --------------------------------------------------------


def _seed(value: object) -> str:
    if (
        isinstance(value, str)
        and 0 < len(value) <= 32
        and all(c in "0123456789abcdef" for c in value)
    ):
        return value
    return secrets.token_hex(8)


@signed_in
def question_preview(request: HttpRequest, course_id: int, question_id: int) -> HttpResponse:
    """A question of the course's bank as a learner would see it, answered and graded on the
    spot, with everything the review could show. Nothing is stored: the layout comes back
    from the seed the form posts."""
    user = _user(request)
    found = course_for(user, course_id)
    if not sees_all_of(user, found):
        raise PermissionDenied
    row = (
        QuestionRow.objects.filter(course=found, pk=question_id, retired_at__isnull=True)
        .select_related("category")
        .first()
    )
    if row is None:
        raise Http404
    question = engine.question_of(row, row.category.source_id)
    seed = _seed(request.POST.get("seed") if request.method == "POST" else request.GET.get("seed"))
    point, thousands = engine.separators(getattr(request, "LANGUAGE_CODE", "fr"))
    context = scoring.StartContext(
        seed=seed,
        user=str(user.pk),
        decimal_point=point,
        thousands_separator=thousands,
        bank=engine.course_bank(found.pk) if question.qtype == "randomsamatch" else None,
    )
    try:
        layout = scoring.start(question, context)
        prepared = scoring.prepare(question, layout)
    except scoring.UnsupportedQuestion:
        raise Http404 from None
    behaviour = scoring.behaviour_for("deferredfeedback", prepared)
    submitted = request.method == "POST"
    actions_taken: list[scoring.Action] = []
    if submitted:
        actions_taken = [scoring.Save(prepared.parse(request.POST, "q1:")), scoring.Finish()]
    replayed = scoring.replay(behaviour, prepared, question.default_mark or 1.0, actions_taken)
    links = CourseLinks(found)
    item = shown.show(
        engine.Loaded(None, question, prepared, replayed),
        links,
        EVERYTHING,
        number=None if prepared.informational else 1,
        editable=not submitted,
        slot=1,
    )
    return render(
        request,
        "assessment/question_preview.html",
        {"course": found, "question": row, "q": item, "seed": seed, "submitted": submitted},
    )


# --- Teachers: results and grading ------------------------------------------------------------


def _teaching(user: User, course_id: int, activity_id: int) -> tuple[Course, Activity, QuizContent]:
    found, item, settings, sees_all = _quiz_for(user, course_id, activity_id)
    if not sees_all:
        raise PermissionDenied
    return found, item, settings


@signed_in
def results(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    """The learners' attempts at a quiz, for its teachers and staff: those waiting for a
    teacher's grade first."""
    user = _user(request)
    found, item, settings = _teaching(user, course_id, activity_id)
    actions.close_overdue(activity=item)  # timed-out attempts nobody came back to, graded
    attempts = list(
        Attempt.objects.filter(activity=item, preview=False)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "number")
    )
    waiting = set(
        AttemptQuestion.objects.filter(
            attempt__activity=item, attempt__preview=False, state="needsgrading"
        ).values_list("attempt_id", flat=True)
    )
    return render(
        request,
        "assessment/results.html",
        {
            "course": found,
            "activity": item,
            "quiz": settings,
            "attempts": attempts,
            "waiting": waiting,
        },
    )


def _mark(value: object) -> float | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(",", ".")
    if len(text) > 12:
        raise ValueError(text)
    found = float(text)
    if found != found or found in (float("inf"), float("-inf")):
        raise ValueError(text)
    return found


@signed_in
def grading(request: HttpRequest, attempt_id: int) -> HttpResponseBase:
    """A learner's finished attempt, for its teachers and staff to read and to grade (essays
    wait for them), question by question."""
    user = _user(request)
    attempt = (
        Attempt.objects.filter(pk=attempt_id, preview=False)
        .select_related("activity", "user")
        .first()
    )
    if attempt is None:
        raise Http404
    found, item, settings = _teaching(user, attempt.activity.course_id, attempt.activity_id)
    if attempt.state != Attempt.State.FINISHED:
        raise Http404
    error = ""
    if request.method == "POST":
        slot = _target(request.POST, "slot")
        try:
            mark = _mark(request.POST.get("mark"))
            if slot is None:
                raise actions.BadMark("no question")
            actions.grade_question(
                actor=user,
                attempt=attempt,
                slot=slot,
                mark=mark,
                comment=str(request.POST.get("comment", "")),
                request=request,
            )
        except (ValueError, actions.BadMark):
            error = _("The mark must be a number between 0 and the question's mark.")
        else:
            messages.success(request, _("Grade saved."))
            return redirect(reverse("assessment:grading", args=[attempt.pk]) + f"#q{slot}")
    loaded = engine.load_all(attempt)
    numbers = _numbers(attempt, _informational(loaded))
    links = CourseLinks(found)
    questions = []
    for page in attempt.pages:
        for slot in page:
            if slot not in loaded:
                continue
            item_shown = shown.show(
                loaded[slot], links, EVERYTHING, number=numbers.get(slot), editable=False
            )
            questions.append(
                {
                    "q": item_shown,
                    "gradable": loaded[slot].row is not None
                    and loaded[slot].attempt.max_mark > 0
                    and not loaded[slot].prepared.informational,
                    "mark": loaded[slot].attempt.mark,
                    "max_mark": loaded[slot].attempt.max_mark,
                    "comment": loaded[slot].attempt.comment,
                }
            )
    return render(
        request,
        "assessment/grading.html",
        {
            "course": found,
            "activity": item,
            "quiz": settings,
            "attempt": attempt,
            "questions": questions,
            "error": error,
        },
        status=400 if error else 200,
    )


@signed_in
def question_bank(request: HttpRequest, course_id: int) -> HttpResponse:
    """The course's question bank, for its teachers and staff to preview any question."""
    user = _user(request)
    found = course_for(user, course_id)
    if not sees_all_of(user, found):
        raise PermissionDenied
    rows = QuestionRow.objects.filter(course=found, retired_at__isnull=True).order_by(
        "category__position", "category__name", "name"
    )
    categories: dict[str, list[dict[str, Any]]] = {}
    for pk, name, qtype, category in rows.values_list("pk", "name", "qtype", "category__name"):
        categories.setdefault(category, []).append({"pk": pk, "name": name, "qtype": qtype})
    builds = actions.may_build(user, found)
    made = (
        Activity.objects.filter(
            course=found,
            kind=Activity.Kind.QUIZ,
            retired_at__isnull=True,
            source_key__startswith=MADE_ON_BOX,
        ).order_by("section__position", "position")
        if builds
        else Activity.objects.none()
    )
    return render(
        request,
        "assessment/question_bank.html",
        {
            "course": found,
            "categories": list(categories.items()),
            "builds": builds,
            "made": list(made),
        },
    )


# --- Quizzes built on the box -----------------------------------------------------------------


def _builder_course(user: User, course_id: int) -> Course:
    """A course the user may build quizzes in: its teachers and the staff who manage it (a
    learner, or staff of another establishment, is refused)."""
    found = course_for(user, course_id)
    if not actions.may_build(user, found):
        raise PermissionDenied
    return found


def _quiz_form(
    request: HttpRequest,
    found: Course,
    *,
    locked: bool = False,
    initial: dict[str, Any] | None = None,
) -> QuizForm:
    return QuizForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        sections=Section.objects.filter(course=found, retired_at__isnull=True).order_by("position"),
        questions=[] if locked else list(building.usable_questions(found)),
        locked=locked,
    )


def _saved_message(request: HttpRequest, activity: Activity) -> None:
    if activity.review_status == Activity.Review.APPROVED:
        messages.success(request, _("The quiz is saved; learners of the course can take it."))
    else:
        messages.success(
            request, _("The quiz is saved. Learners will see it once staff have approved it.")
        )


@signed_in
def build(request: HttpRequest, course_id: int) -> HttpResponse:
    """A new quiz over questions of the course's bank."""
    user = _user(request)
    found = _builder_course(user, course_id)
    first = (
        Section.objects.filter(course=found, retired_at__isnull=True)
        .order_by("position")
        .values_list("pk", flat=True)
        .first()
    )
    form = _quiz_form(request, found, initial={"section": first})
    if request.method == "POST" and form.is_valid():
        try:
            activity = actions.create_quiz(
                actor=user,
                course=found,
                section=form.cleaned_data["section"],
                title=form.cleaned_data["title"],
                intro=form.cleaned_data["intro"],
                settings=form.settings(),
                request=request,
            )
        except actions.CannotBuild as refusal:
            form.add_error(None, str(refusal))
        else:
            _saved_message(request, activity)
            return redirect("assessment:question_bank", course_id=found.pk)
    return render(
        request,
        "assessment/build.html",
        {"course": found, "form": form, "activity": None, "started": False},
    )


@signed_in
def edit(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    """Change a quiz built on the box; once learners have started it, only its dates, time
    limit and attempts allowed."""
    user = _user(request)
    found = _builder_course(user, course_id)
    item = Activity.objects.filter(
        course=found,
        pk=activity_id,
        kind=Activity.Kind.QUIZ,
        retired_at__isnull=True,
        source_key__startswith=MADE_ON_BOX,
    ).first()
    if item is None:
        raise Http404
    built = engine.settings_of(item)
    current = building.settings_from(built)
    started = actions.learners_started(item)
    form = _quiz_form(
        request,
        found,
        locked=started,
        initial=initial_values(
            current,
            title=item.title,
            intro=item.intro,
            section=item.section_id,
            marks=building.marks_of(built),
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            whole = actions.update_quiz(
                actor=user,
                activity=item,
                title=form.cleaned_data.get("title", item.title),
                intro=form.cleaned_data.get("intro", item.intro),
                section=form.cleaned_data.get("section"),
                settings=form.settings(before=current),
                request=request,
            )
        except actions.CannotBuild as refusal:
            form.add_error(None, str(refusal))
        else:
            if not whole and not started:
                messages.warning(
                    request,
                    _(
                        "A learner started the quiz meanwhile: only its dates, time limit and "
                        "attempts allowed were changed."
                    ),
                )
            _saved_message(request, item)
            return redirect("assessment:question_bank", course_id=found.pk)
    return render(
        request,
        "assessment/build.html",
        {"course": found, "form": form, "activity": item, "started": started},
    )
