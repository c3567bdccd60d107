"""Essays' files on the quiz pages: the uploads of a page's post, checked and stored before
the answers are saved, and each file served back as a download only: to the learner whose
attempt holds it, and to the course's teachers and staff (who grade it); 404 for anyone
else, other learners first."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.decorators.http import require_safe

from cartable.accounts.access import signed_in
from cartable.accounts.models import User
from cartable.assessment import attachments, engine
from cartable.assessment.models import Attempt, AttemptQuestion
from cartable.assessment.scoring.manual import Essay
from cartable.assessment.scoring.responses import AttachedFile, EssayResponse
from cartable.catalog import blobs
from cartable.catalog.access import course_for, sees_all_of

Refused = attachments.Refused


def field(slot: int) -> str:
    return f"q{slot}:attachments"


def uploaded(
    request: HttpRequest, attempt: Attempt, slots: Iterable[int]
) -> dict[int, tuple[AttachedFile, ...]]:
    """The files posted to the page's essays, checked and stored (``Refused``: none stored
    for the slot refused, and nothing saved by the caller). No query when no file came."""
    posted = {slot: request.FILES.getlist(field(slot)) for slot in slots}
    posted = {slot: files for slot, files in posted.items() if files}
    if not posted:
        return {}
    stored: dict[int, tuple[AttachedFile, ...]] = {}
    for row in AttemptQuestion.objects.filter(attempt_id=attempt.pk, slot__in=list(posted)):
        loaded = engine.load(row)
        prepared = loaded.prepared
        if not isinstance(prepared, Essay) or not loaded.attempt.state.is_active:
            raise Refused(attachments.no_files())
        held = loaded.attempt.response
        removed = set(request.POST.getlist(loaded.prefix + "remove"))
        kept = (
            sum(1 for f in held.files if f.sha256 not in removed)
            if isinstance(held, EssayResponse)
            else 0
        )
        stored[row.slot] = attachments.store(posted[row.slot], prepared.data, kept=kept)
    if set(stored) != set(posted):
        raise Refused(attachments.no_files())
    return stored


@signed_in
@require_safe
def download(request: HttpRequest, attempt_id: int, slot: int, sha256: str) -> HttpResponseBase:
    user: User = request.user  # type: ignore[assignment]
    attempt = (
        Attempt.objects.filter(pk=attempt_id).annotate(course_id=F("activity__course_id")).first()
    )
    if attempt is None:
        raise Http404
    if attempt.user_id != user.pk:
        found = course_for(user, attempt.course_id)
        if attempt.preview or not sees_all_of(user, found):
            raise Http404
    row = AttemptQuestion.objects.filter(attempt_id=attempt.pk, slot=slot).first()
    if row is None:
        raise Http404
    response = engine.load(row).attempt.response
    files = response.files if isinstance(response, EssayResponse) else ()
    wanted = next((f for f in files if f.sha256 and f.sha256 == sha256), None)
    if wanted is None:
        raise Http404
    return blobs.download(wanted.sha256, wanted.name, wanted.mimetype)
