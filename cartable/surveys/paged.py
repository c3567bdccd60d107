"""A survey of several pages (Moodle's feedback with ``pagebreak`` items), answered one page at
a time with plain forms: "Next page" checks the page's answers (required ones, numbers,
lengths) and keeps them, "Previous page" keeps what is valid without checking, and "Send my
answers" on the last page sends the whole response. The answers in progress are kept on the
box (``FeedbackDraft``), so the learner resumes on their page after a sign-out or a power cut.
Teachers and staff preview the whole survey on one page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cartable.importers.model import FeedbackContent
from cartable.surveys import actions, items
from cartable.surveys.access import Found
from cartable.surveys.models import FeedbackDraft, FeedbackMark
from cartable.surveys.views import REFUSALS, _feedback_page, earlier_answers

MOVES = ("next", "previous", "send")
BAD_MOVE = gettext_lazy("This page of the survey is not one you can go to: start again from it.")


def _page_of(text: str, count: int) -> int | None:
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 <= number < count else None


def feedback(request: HttpRequest, found: Found, data: FeedbackContent) -> HttpResponseBase:
    asked = items.questions(data.items)
    pages = items.pages(asked)
    draft = FeedbackDraft.objects.filter(activity=found.activity, user=found.user).first()
    answers: dict[str, list[str]] | None = None
    if draft is not None:
        answers = {str(k): [str(v) for v in vs] for k, vs in dict(draft.answers).items()}
    page = min(draft.page, len(pages) - 1) if draft is not None else 0
    if request.method != "POST":
        return _show(request, found, data, pages, page, answers, {}, "")
    move = request.POST.get("go", "")
    posted_page = _page_of(request.POST.get("page", ""), len(pages))
    if move not in MOVES or posted_page is None:
        return _show(request, found, data, pages, page, answers, {}, str(BAD_MOVE), status=400)
    page = posted_page
    if answers is None:
        marked = FeedbackMark.objects.filter(activity=found.activity, user=found.user).exists()
        answers = earlier_answers(found, asked) if marked and not data.anonymous else {}
    here = {one.key for one in pages[page] if one.answered}
    combined = {key: values for key, values in answers.items() if key not in here}
    combined.update({key: request.POST.getlist(key) for key in here})
    _values, errors = items.read(asked, combined)
    on_page = {one.item.source_id for one in pages[page]}
    page_errors = {item: code for item, code in errors.items() if item in on_page}
    last = page == len(pages) - 1
    try:
        if move == "previous":
            # Keep what is valid on the page, unchecked: the learner comes back to it.
            kept = {
                key: values
                for key, values in combined.items()
                if key not in here or not _item_error(key, page_errors)
            }
            actions.save_feedback_page(
                actor=found.user,
                activity=found.activity,
                answers=kept,
                page=max(page - 1, 0),
                request=request,
            )
            return _back(found)
        if page_errors:
            return _show(
                request,
                found,
                data,
                pages,
                page,
                combined,
                page_errors,
                str(REFUSALS["invalid"]),
                status=400,
            )
        if move == "next" or not last:
            actions.save_feedback_page(
                actor=found.user,
                activity=found.activity,
                answers=combined,
                page=min(page + 1, len(pages) - 1),
                request=request,
            )
            return _back(found)
        actions.submit_feedback(
            actor=found.user, activity=found.activity, posted=combined, request=request
        )
    except actions.Refused as refused:
        error = str(REFUSALS.get(refused.code, REFUSALS["unknown"]))
        return _show(request, found, data, pages, page, combined, {}, error, status=400)
    except actions.Invalid as invalid:
        # An answer of an earlier page no longer holds (an item it depends on changed): back
        # to the first page that needs the learner.
        wrong = next(
            index
            for index, one_page in enumerate(pages)
            if any(one.item.source_id in invalid.errors for one in one_page)
        )
        actions.save_feedback_page(
            actor=found.user, activity=found.activity, answers=combined, page=wrong
        )
        return _show(
            request,
            found,
            data,
            pages,
            wrong,
            combined,
            invalid.errors,
            str(REFUSALS["invalid"]),
            status=400,
        )
    messages.success(request, _("Your answers are saved. Thank you."))
    return _back(found)


def _item_error(key: str, errors: dict[int, str]) -> bool:
    return any(key == f"item-{item}" for item in errors)


def _back(found: Found) -> HttpResponseBase:
    return redirect("surveys:feedback", course_id=found.course.pk, activity_id=found.activity.pk)


def _show(
    request: HttpRequest,
    found: Found,
    data: FeedbackContent,
    pages: list[list[items.Question]],
    page: int,
    answers: dict[str, list[str]] | None,
    errors: dict[int, str],
    error: str,
    *,
    status: int = 200,
) -> HttpResponseBase:
    only = frozenset(one.item.source_id for one in pages[page])
    context: dict[str, Any] = _feedback_page(found, data, answers, errors, only=only)
    context.update(
        {
            "error": error,
            "paged": True,
            "page_index": page,
            "page_number": page + 1,
            "page_count": len(pages),
            "last_page": page == len(pages) - 1,
        }
    )
    return render(request, "surveys/feedback.html", context, status=status)
