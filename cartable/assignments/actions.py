"""Writes on assignments: a learner saves a draft and submits it; a teacher grants an
extension, opens a new attempt, grades with feedback and files. Each in one transaction, with
the acting user explicit, audited, and written to the outbox for the university.

Dates are the server's: nothing is handed in before the assignment opens, nor after its
cut-off date unless the learner's extension is still ahead (``rules.Window``).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cartable.accounts.models import Role, User
from cartable.assignments import rules, teams
from cartable.assignments.checks import Checked, Refused, checked
from cartable.assignments.models import Extension, Marking, Submission, SubmissionFile
from cartable.audit.actions import record as audit
from cartable.catalog import blobs
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Enrolment
from cartable.grades.actions import record as record_grade
from cartable.grades.actions import withhold
from cartable.grades.models import FeedbackFile, Grade
from cartable.importers.model import AssignContent
from cartable.learning.actions import complete
from cartable.learning.models import ActivityProgress
from cartable.lib.html import sanitise, text_of, text_to_html
from cartable.outbox.actions import add as outbox

__all__ = [
    "Refused",
    "allocate_marker",
    "grade",
    "grant_extension",
    "reopen",
    "revert_to_draft",
    "save_draft",
    "set_marking_state",
    "submit",
]

MAX_FEEDBACK_FILES = 20
_TAG = re.compile(r"<[a-zA-Z/!]")
_PLAIN = re.compile(r"(?:<p>(?:[^<]|<br>)*</p>)+")


def settings_of(activity: Activity) -> AssignContent:
    """The assignment's imported settings (a ``Refused`` for any other activity)."""
    data = kind_of(activity.kind).read(activity.data) if activity.kind == "assign" else None
    if not isinstance(data, AssignContent):
        raise Refused(_("This activity is not an assignment the box can take."))
    return data


def window_for(data: AssignContent, extension: Extension | None) -> rules.Window:
    return rules.window(
        opens=data.allow_submissions_from,
        due=data.due,
        cut_off=data.cut_off,
        extension=extension.due if extension is not None else None,
    )


def learner_window(activity: Activity, data: AssignContent, learner: User) -> rules.Window:
    return window_for(data, Extension.objects.filter(activity=activity, learner=learner).first())


def clean_text(text: str) -> str:
    """A learner's or teacher's text as safe HTML: HTML is sanitised, plain text (no tag)
    becomes paragraphs."""
    text = text.replace("\x00", "").strip()
    if not text:
        return ""
    html = sanitise(text) if _TAG.search(text) else text_to_html(text)
    return html if text_of(html).strip() or "<img" in html else ""


def as_typed(html: str) -> str:
    """A text saved by ``clean_text`` as its writer typed it, when it was plain text (only
    paragraphs and line breaks): what the form shows again. Any other HTML as it is."""
    if not _PLAIN.fullmatch(html):
        return html
    paragraphs = re.findall(r"<p>(.*?)</p>", html, flags=re.DOTALL)
    return "\n\n".join(html_lib.unescape(part.replace("<br>", "\n")) for part in paragraphs)


def upload_limit() -> int:
    return int(settings.ASSIGN_MAX_UPLOAD_BYTES)


def _open_or_refuse(window: rules.Window, now: datetime) -> None:
    state = window.state(now)
    if state == "not_open":
        assert window.opens is not None
        raise Refused(
            _("This assignment opens on %(date)s: nothing can be handed in before.")
            % {"date": date_format(timezone.localtime(window.opens), "DATETIME_FORMAT")}
        )
    if state == "closed":
        raise Refused(_("This assignment is closed: nothing can be handed in any more."))


def _latest(activity: Activity, learner: User, *, lock: bool = False) -> Submission | None:
    found = Submission.objects.filter(activity=activity, learner=learner)
    if lock:
        found = found.select_for_update()
    return found.order_by("-attempt").first()


def _payload(submission: Submission, window: rules.Window) -> dict[str, Any]:
    files = list(submission.files.order_by("filename", "pk"))
    return {
        "attempt": submission.attempt,
        "status": submission.status,
        "text": text_of(submission.text),
        "text_html": submission.text,
        "files": [
            {"filename": f.filename, "sha256": f.blob_id, "size": f.size, "mimetype": f.mimetype}
            for f in files
        ],
        "modified_at": submission.modified_at.isoformat(),
        "submitted_at": submission.submitted_at.isoformat() if submission.submitted_at else None,
        "late": window.late(submission.submitted_at or submission.modified_at),
        **(
            {"member_submitted_at": submission.member_submitted_at.isoformat()}
            if submission.member_submitted_at
            else {}
        ),
    }


def _team_or_refuse(activity: Activity, data: AssignContent, learner: User) -> teams.Team | None:
    """The learner's team for a team assignment (None: not one); a ``Refused`` when the
    assignment takes work from a group's members only (preventsubmissionnotingroup) and the
    learner is in no group, or in several."""
    if not data.team_submission:
        return None
    team = teams.team_for(activity, learner)
    if team.group is None and data.team_prevent_not_in_group:
        raise Refused(
            _(
                "This assignment is handed in by teams, and you are in no group (or in "
                "several): ask your teacher to put you in one."
            )
        )
    return team


def _team_of(activity: Activity, data: AssignContent, learner: User) -> teams.Team | None:
    return teams.team_for(activity, learner) if data.team_submission else None


def _share(
    current: Submission,
    team: teams.Team | None,
    activity: Activity,
    data: AssignContent,
    now: datetime,
) -> list[User]:
    """Copy the team's work to its other members (outbox entries for each); the members
    written to."""
    if team is None:
        return []
    others = [m for m in team.members if m.pk != current.learner_id]
    for row in teams.mirror(current, others, now):
        outbox(
            "submission",
            course=activity.course,
            activity=activity,
            user=row.learner,
            payload={
                **_payload(row, learner_window(activity, data, row.learner)),
                "team": team.name,
            },
        )
    return others


def _store(checked_files: Sequence[Checked], submission: Submission) -> list[SubmissionFile]:
    made = []
    for item in checked_files:
        with item.path.open("rb") as stream:
            blob = blobs.add(stream)
        made.append(
            SubmissionFile.objects.create(
                submission=submission,
                blob=blob,
                filename=item.filename,
                mimetype=item.mimetype,
                size=item.size,
            )
        )
    return made


def _first_draft(activity: Activity, learner: User, now: datetime) -> Submission:
    try:
        with transaction.atomic():
            return Submission.objects.create(
                activity=activity, learner=learner, attempt=1, modified_at=now
            )
    except IntegrityError:  # another request of the same learner made it meanwhile
        found = _latest(activity, learner, lock=True)
        assert found is not None
        return found


def save_draft(
    *,
    actor: User,
    activity: Activity,
    text: str | None = None,
    uploads: Sequence[UploadedFile[bytes]] = (),
    remove: Collection[int] = (),
    statement: bool = False,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Submission | None:
    """Save the learner's work: the online text (None: leave it), files added, files
    removed (by id). With drafts (Moodle's "require students to click the submit button"),
    a draft, changed until it is submitted; without, the work is submitted as it is saved,
    and may change while the assignment is open (the statement, when required, with each
    save). Idempotent: the same work again writes nothing. None when there is nothing to
    save and nothing saved yet."""
    now = now or timezone.now()
    data = settings_of(activity)
    window = learner_window(activity, data, actor)
    _open_or_refuse(window, now)
    if not {"onlinetext", "file"} & set(data.submission_types):
        raise Refused(_("This assignment is handed in outside the box: ask your teacher how."))
    if not data.drafts and data.require_statement and not statement:
        raise Refused(_("Confirm that this work is your own before you submit it for grading."))
    if uploads and "file" not in data.submission_types:
        raise Refused(_("This assignment takes no files."))
    team = _team_or_refuse(activity, data, actor)
    if text is not None and "onlinetext" not in data.submission_types:
        text = None
    limit = rules.max_size(data.max_size, upload_limit())
    with (
        checked(uploads, rule=rules.accepted(data.file_types), limit=limit) as incoming,
        transaction.atomic(),
    ):
        new_text = clean_text(text) if text is not None else None
        current = _latest(activity, actor, lock=True)
        if current is None:
            if not (new_text or incoming):
                return None
            current = _first_draft(activity, actor, now)
        existing = list(current.files.all())
        # A file of the same name as one already there replaces it.
        replaced = {item.filename.casefold() for item in incoming}
        kept = [f for f in existing if f.pk not in remove and f.filename.casefold() not in replaced]
        removed_ids = {f.pk for f in existing} - {f.pk for f in kept}
        text_changed = new_text is not None and new_text != current.text
        if not (text_changed or incoming or removed_ids):
            return current  # the same work again (a form sent twice): nothing to do
        if data.drafts and current.status == Submission.Status.SUBMITTED:
            raise Refused(
                _("Your work is already submitted for grading: it can no longer be changed.")
            )
        if data.drafts and current.member_submitted_at is not None:
            raise Refused(
                _(
                    "You have submitted your team's work: it waits for the other members, "
                    "and can no longer be changed by you."
                )
            )
        if len(kept) + len(incoming) > rules.max_files(data.max_files):
            raise Refused(
                _("This assignment takes at most %(count)d files.")
                % {"count": rules.max_files(data.max_files)}
            )
        if text_changed:
            current.text = new_text or ""
        current.modified_at = now
        current.save(update_fields=["text", "modified_at"])
        SubmissionFile.objects.filter(submission=current, pk__in=removed_ids).delete()
        added = _store(incoming, current)
        if not data.drafts:
            current.status = Submission.Status.SUBMITTED
            current.submitted_at = now
            current.statement_accepted = bool(statement)
            current.save(update_fields=["status", "submitted_at", "statement_accepted"])
        audit(
            "assign.draft_saved" if data.drafts else "assign.submitted",
            actor=actor,
            target=activity,
            request=request,
            details={
                "activity": activity.pk,
                "attempt": current.attempt,
                "text_changed": text_changed,
                "added": [f.filename for f in added],
                "removed": len(removed_ids),
                "late": window.late(now),
                **({"team": team.name} if team else {}),
            },
        )
        outbox(
            "submission",
            course=activity.course,
            activity=activity,
            user=actor,
            payload=_payload(current, window),
        )
        others = _share(current, team, activity, data, now)
        if not data.drafts and _completed_by_submission(activity):
            for learner in [actor, *others]:
                complete(
                    actor=actor,
                    activity=activity,
                    learner=learner,
                    by=ActivityProgress.Source.ANSWER,
                )
        return current


def submit(
    *,
    actor: User,
    activity: Activity,
    statement: bool = False,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Submission:
    """Submit the learner's draft for grading; it can no longer be changed. Idempotent: a
    second submit (a double click, a resent form) changes nothing. A team's work is submitted
    for the whole team; when every member must submit it, it goes for grading once the last
    one has (until then the others may still change it)."""
    now = now or timezone.now()
    data = settings_of(activity)
    window = learner_window(activity, data, actor)
    team = _team_or_refuse(activity, data, actor)
    with transaction.atomic():
        current = _latest(activity, actor, lock=True)
        if current is not None and (
            current.status == Submission.Status.SUBMITTED or current.member_submitted_at is not None
        ):
            return current
        _open_or_refuse(window, now)
        if current is None or not (current.text or current.files.exists()):
            raise Refused(_("There is nothing to submit yet: write your text or add a file."))
        if data.require_statement and not statement:
            raise Refused(_("Confirm that this work is your own before you submit it for grading."))
        current.statement_accepted = bool(statement)
        if team is not None and data.team_require_all:
            current.member_submitted_at = now
            current.save(update_fields=["statement_accepted", "member_submitted_at"])
            teams.mirror(current, team.members, now)  # a member new to the team gets the work
            rows = {
                row.learner_id: row
                for row in Submission.objects.filter(
                    activity=activity,
                    learner__in=[m.pk for m in team.members],
                    attempt=current.attempt,
                )
            }
            confirmed = [
                m.pk in rows and rows[m.pk].member_submitted_at is not None for m in team.members
            ]
            if not rules.team_submitted(confirmed, require_all=True):
                waiting = [
                    m.username for m, done in zip(team.members, confirmed, strict=True) if not done
                ]
                return _member_submitted(actor, activity, current, window, team, waiting, request)
        current.status = Submission.Status.SUBMITTED
        current.submitted_at = now
        current.save(update_fields=["status", "submitted_at", "statement_accepted"])
        late = window.late(now)
        audit(
            "assign.submitted",
            actor=actor,
            target=activity,
            request=request,
            details={
                "activity": activity.pk,
                "attempt": current.attempt,
                "late": late,
                **({"team": team.name} if team else {}),
            },
        )
        outbox(
            "submission",
            course=activity.course,
            activity=activity,
            user=actor,
            payload=_payload(current, window),
        )
        others = _share(current, team, activity, data, now)
        if _completed_by_submission(activity):
            for learner in [actor, *others]:
                complete(
                    actor=actor,
                    activity=activity,
                    learner=learner,
                    by=ActivityProgress.Source.ANSWER,
                )
        return current


def _member_submitted(
    actor: User,
    activity: Activity,
    current: Submission,
    window: rules.Window,
    team: teams.Team,
    waiting: list[str],
    request: HttpRequest | None,
) -> Submission:
    """A member submitted their team's work, which waits for the others (audited, outbox)."""
    audit(
        "assign.member_submitted",
        actor=actor,
        target=activity,
        request=request,
        details={
            "activity": activity.pk,
            "attempt": current.attempt,
            "team": team.name,
            "waiting": waiting,
        },
    )
    outbox(
        "submission",
        course=activity.course,
        activity=activity,
        user=actor,
        payload={**_payload(current, window), "team": team.name},
    )
    return current


def _completed_by_submission(activity: Activity) -> bool:
    completion = activity.completion or {}
    if activity.completion_mode != "answer":
        return False
    named = {str(rule[0]) for rule in completion.get("rules") or () if rule}
    grade_rule = completion.get("grade") or completion.get("pass_grade")
    return "completionsubmit" in named or not grade_rule


def _completed_by_grade(activity: Activity) -> bool:
    completion = activity.completion or {}
    return activity.completion_mode == "answer" and bool(
        completion.get("grade") or completion.get("pass_grade")
    )


def grant_extension(
    *,
    actor: User,
    activity: Activity,
    learner: User,
    due: datetime,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Extension:
    """Give ``learner`` until ``due`` (after the assignment's due date, as in Moodle)."""
    data = settings_of(activity)
    problem = rules.extension_problem(due, opens=data.allow_submissions_from, due=data.due)
    if problem == "before_due":
        raise Refused(_("An extension must end after the assignment's due date."))
    if problem == "before_open":
        raise Refused(_("An extension must end after the assignment opens."))
    reason = reason.replace("\x00", "").strip()[:2000]
    with transaction.atomic():
        found, created = Extension.objects.select_for_update().get_or_create(
            activity=activity,
            learner=learner,
            defaults={
                "due": due,
                "reason": reason,
                "granted_by": actor,
                "granted_at": timezone.now(),
            },
        )
        if not created:
            if (found.due, found.reason) == (due, reason):
                return found
            found.due, found.reason = due, reason
            found.granted_by, found.granted_at = actor, timezone.now()
            found.save(update_fields=["due", "reason", "granted_by", "granted_at"])
        audit(
            "assign.extension_granted",
            actor=actor,
            target=activity,
            request=request,
            details={"activity": activity.pk, "learner": learner.username, "due": due.isoformat()},
        )
        outbox(
            "submission",
            course=activity.course,
            activity=activity,
            user=learner,
            payload={"extension": {"due": due.isoformat(), "granted_by": actor.username}},
        )
        return found


def reopen(
    *, actor: User, activity: Activity, learner: User, request: HttpRequest | None = None
) -> Submission:
    """Open a new attempt for ``learner`` after a submitted one, from its text and files
    (Moodle's "allow another attempt"), as the assignment's reopen method and maximum of
    attempts allow."""
    data = settings_of(activity)
    if data.reopen == "none":
        raise Refused(_("This assignment allows one attempt only."))
    with transaction.atomic():
        current = _latest(activity, learner, lock=True)
        if current is None or current.status != Submission.Status.SUBMITTED:
            raise Refused(_("A new attempt follows a submitted one only."))
        if not rules.may_add_attempt(current.attempt, data.max_attempts):
            raise Refused(
                _("This assignment allows %(count)d attempts: none is left.")
                % {"count": data.max_attempts}
            )
        fresh = _new_attempt(actor, activity, learner, data, current, request)
        _share(fresh, _team_of(activity, data, learner), activity, data, fresh.modified_at)
        return fresh


def _new_attempt(
    actor: User | None,
    activity: Activity,
    learner: User,
    data: AssignContent,
    current: Submission,
    request: HttpRequest | None,
) -> Submission:
    fresh = Submission.objects.create(
        activity=activity,
        learner=learner,
        attempt=current.attempt + 1,
        text=current.text,
        modified_at=timezone.now(),
    )
    SubmissionFile.objects.bulk_create(
        SubmissionFile(
            submission=fresh,
            blob_id=f.blob_id,
            filename=f.filename,
            mimetype=f.mimetype,
            size=f.size,
        )
        for f in current.files.all()
    )
    audit(
        "assign.attempt_opened",
        actor=actor,
        target=activity,
        request=request,
        details={"activity": activity.pk, "learner": learner.username, "attempt": fresh.attempt},
    )
    outbox(
        "submission",
        course=activity.course,
        activity=activity,
        user=learner,
        payload=_payload(fresh, learner_window(activity, data, learner)),
    )
    return fresh


def revert_to_draft(
    *, actor: User, activity: Activity, learner: User, request: HttpRequest | None = None
) -> Submission:
    """Give the learner their submitted work back as a draft (Moodle's "revert the
    submission to draft"), for an assignment with drafts."""
    data = settings_of(activity)
    if not data.drafts:
        raise Refused(
            _("This assignment has no drafts: its learners change their work while it is open.")
        )
    with transaction.atomic():
        current = _latest(activity, learner, lock=True)
        if current is None or current.status != Submission.Status.SUBMITTED:
            raise Refused(_("Only submitted work can go back to a draft."))
        current.status = Submission.Status.DRAFT
        current.member_submitted_at = None
        current.save(update_fields=["status", "member_submitted_at"])
        team = _team_of(activity, data, learner)
        if team is not None:  # the team's work, back to a draft for every member
            Submission.objects.filter(
                activity=activity,
                learner__in=[m.pk for m in team.members],
                attempt=current.attempt,
            ).update(member_submitted_at=None)
            _share(current, team, activity, data, timezone.now())
        audit(
            "assign.reverted_to_draft",
            actor=actor,
            target=activity,
            request=request,
            details={
                "activity": activity.pk,
                "learner": learner.username,
                "attempt": current.attempt,
            },
        )
        outbox(
            "submission",
            course=activity.course,
            activity=activity,
            user=learner,
            payload=_payload(current, learner_window(activity, data, learner)),
        )
        return current


def max_grade_of(data: AssignContent) -> float:
    """Points the assignment is graded out of; 0 for a scale or no grade."""
    return float(data.grade) if data.grade > 0 else 0.0


def scale_value_of(data: AssignContent, scale_item: str) -> int | None:
    """The number Moodle stores for ``scale_item`` (its position, from 1) on the assignment's
    scale; None when the scale is not known (a backup without it). A ``Refused`` for an item
    that is not one of the scale's."""
    if data.scale is None or not scale_item:
        return None
    value = data.scale.value_of(scale_item)
    if value is None:
        raise Refused(
            _("“%(item)s” is not an item of the scale “%(scale)s”: choose one of its items.")
            % {"item": scale_item[:80], "scale": data.scale.name}
        )
    return value


def marking_of(activity: Activity, learner: User, *, lock: bool = False) -> Marking | None:
    found = Marking.objects.filter(activity=activity, learner=learner)
    if lock:
        found = found.select_for_update()
    return found.first()


def _marking_state(value: str | None) -> str | None:
    if value is None:
        return None
    if value not in Marking.State.values:
        raise Refused(_("This is not a state of the marking workflow."))
    return value


def grade(
    *,
    actor: User | None,
    activity: Activity,
    learner: User,
    points: float | None,
    scale_item: str = "",
    feedback: str = "",
    uploads: Sequence[UploadedFile[bytes]] = (),
    remove: Collection[int] = (),
    state: str | None = None,
    team: bool = False,
    request: HttpRequest | None = None,
) -> Grade:
    """Grade ``learner``'s work: points (or a scale's item), the teacher's comment and files.
    Without a marking workflow, released to the learner at once (as Moodle does); with one,
    the grade stays hidden from the learner until its state is "released" (``state``: the
    state the teacher sets with the grade; None: as it was). ``actor`` None: a teacher of
    the university's hub, whose feedback bundle the box applies: the university's grade is
    released at once. ``team``: on a team assignment, the same grade, feedback and files for
    every member of the learner's team (Moodle's "apply grades and feedback to the entire
    group")."""
    data = settings_of(activity)
    maximum = max_grade_of(data)
    if data.grade <= 0:
        points = None  # a scale's item, or no grade (feedback only)
    if points is not None and not (0 <= points <= maximum):
        raise Refused(_("A grade lies between 0 and %(max)s.") % {"max": f"{maximum:g}"})
    scale_item = scale_item.replace("\x00", "").strip()[:255] if data.grade < 0 else ""
    given = _Given(
        points=points,
        maximum=maximum,
        scale_item=scale_item,
        scale_value=scale_value_of(data, scale_item),
        comment=clean_text(feedback),
        state=_marking_state(state) if data.marking_workflow else None,
    )
    with (
        checked(uploads, rule=rules.accepted(""), limit=upload_limit()) as incoming,
        transaction.atomic(),
    ):
        row = _grade_one(actor, activity, data, learner, given, incoming, remove, request)
        members = _team_of(activity, data, learner) if team else None
        for member in members.members if members else ():
            if member.pk != learner.pk:
                copied = _grade_one(actor, activity, data, member, given, (), (), request)
                _same_files(actor, activity, row, copied, request)
        return row


@dataclass(frozen=True)
class _Given:
    """What a teacher gives with a grade, checked."""

    points: float | None
    maximum: float
    scale_item: str
    scale_value: int | None
    comment: str
    state: str | None


def _grade_one(
    actor: User | None,
    activity: Activity,
    data: AssignContent,
    learner: User,
    given: _Given,
    incoming: Sequence[Checked],
    remove: Collection[int],
    request: HttpRequest | None,
) -> Grade:
    points, maximum, scale_item = given.points, given.maximum, given.scale_item
    scale_value, comment, wanted_state = given.scale_value, given.comment, given.state
    release = True
    if data.marking_workflow:
        marking = marking_of(activity, learner, lock=True)
        current_state = marking.state if marking else Marking.State.NOT_MARKED
        new_state = Marking.State.RELEASED if actor is None else wanted_state or current_state
        if new_state != current_state:
            _set_state(actor, activity, learner, marking, new_state, request)
        release = new_state == Marking.State.RELEASED
    existing = Grade.objects.filter(activity=activity, user=learner).first()
    files = list(existing.files.all()) if existing is not None else []
    if len([f for f in files if f.pk not in set(remove)]) + len(incoming) > MAX_FEEDBACK_FILES:
        raise Refused(_("At most %(count)d feedback files.") % {"count": MAX_FEEDBACK_FILES})
    unchanged = existing is not None and (
        existing.grade,
        existing.scale_item,
        existing.feedback,
        existing.max_grade,
    ) == (points, scale_item, comment, maximum)
    if not release:
        released_at = None
    elif unchanged and existing is not None and existing.released_at is not None:
        released_at = existing.released_at
    else:
        released_at = timezone.now()
    row = record_grade(
        actor=actor,
        activity=activity,
        learner=learner,
        grade=points,
        max_grade=maximum,
        source=Grade.Source.ASSIGN,
        feedback=comment,
        scale_item=scale_item,
        scale_value=scale_value,
        released_at=released_at,
        request=request,
    )
    if not release and row.released_at is not None:
        row = withhold(actor=actor, activity=activity, learner=learner, request=request) or row
    removed = FeedbackFile.objects.filter(grade=row, pk__in=list(remove))
    removed_names = list(removed.values_list("filename", flat=True))
    removed.delete()
    added = []
    for item in incoming:
        with item.path.open("rb") as stream:
            blob = blobs.add(stream)
        added.append(
            FeedbackFile.objects.create(
                grade=row, blob=blob, filename=item.filename, mimetype=item.mimetype
            )
        )
    if added or removed_names:
        audit(
            "assign.feedback_files",
            actor=actor,
            target=activity,
            request=request,
            details={
                "activity": activity.pk,
                "learner": learner.username,
                "added": [f.filename for f in added],
                "removed": removed_names,
            },
        )
        outbox(
            "grade",
            course=activity.course,
            activity=activity,
            user=learner,
            payload={
                "feedback_files": [
                    {"filename": f.filename, "sha256": f.blob_id, "mimetype": f.mimetype}
                    for f in row.files.all()
                ]
            },
        )
    if data.reopen == "automatic" and (points is not None or scale_item):
        # Moodle's "automatically": each grading opens the next attempt, while any is left.
        latest = _latest(activity, learner, lock=True)
        if (
            latest is not None
            and latest.status == Submission.Status.SUBMITTED
            and rules.may_add_attempt(latest.attempt, data.max_attempts)
        ):
            _new_attempt(actor, activity, learner, data, latest, request)
    if release and _completed_by_grade(activity) and (points is not None or scale_item):
        complete(actor=actor, activity=activity, learner=learner, by=ActivityProgress.Source.GRADE)
    return row


def _same_files(
    actor: User | None, activity: Activity, source: Grade, row: Grade, request: HttpRequest | None
) -> None:
    """Give a team member's grade the same feedback files as ``source`` (audited, outbox)."""
    wanted = [(f.blob_id, f.filename, f.mimetype) for f in source.files.order_by("pk")]
    have = [(f.blob_id, f.filename, f.mimetype) for f in row.files.order_by("pk")]
    if wanted == have:
        return
    FeedbackFile.objects.filter(grade=row).delete()
    FeedbackFile.objects.bulk_create(
        FeedbackFile(grade=row, blob_id=blob, filename=name, mimetype=kind)
        for blob, name, kind in wanted
    )
    audit(
        "assign.feedback_files",
        actor=actor,
        target=activity,
        request=request,
        details={
            "activity": activity.pk,
            "learner": row.user.username,
            "added": [name for _, name, _ in wanted],
            "removed": [name for _, name, _ in have],
        },
    )
    outbox(
        "grade",
        course=activity.course,
        activity=activity,
        user=row.user,
        payload={
            "feedback_files": [
                {"filename": name, "sha256": blob, "mimetype": kind} for blob, name, kind in wanted
            ]
        },
    )


# --- The marking workflow ---------------------------------------------------------------------


def _set_state(
    actor: User | None,
    activity: Activity,
    learner: User,
    marking: Marking | None,
    state: str,
    request: HttpRequest | None,
) -> Marking:
    """Write ``learner``'s workflow state (audited, in the outbox), within the caller's
    transaction."""
    before = marking.state if marking else Marking.State.NOT_MARKED
    marking = _write_marking(actor, activity, learner, marking, state=state)
    audit(
        "assign.marking_changed",
        actor=actor,
        target=activity,
        request=request,
        details={
            "activity": activity.pk,
            "learner": learner.username,
            "from": before,
            "to": state,
        },
    )
    _send_marking(actor, activity, learner, marking)
    return marking


def _write_marking(
    actor: User | None,
    activity: Activity,
    learner: User,
    marking: Marking | None,
    **fields: Any,
) -> Marking:
    """Create or update ``learner``'s marking row with ``fields``, stamped with who changed it
    and when (the workflow state and the marker allocation write different fields)."""
    stamped = {**fields, "changed_by": actor, "changed_at": timezone.now()}
    if marking is None:
        return Marking.objects.create(activity=activity, learner=learner, **stamped)
    for name, value in stamped.items():
        setattr(marking, name, value)
    marking.save(update_fields=list(stamped))
    return marking


def _send_marking(actor: User | None, activity: Activity, learner: User, marking: Marking) -> None:
    """Tell the university ``learner``'s marking row as it now stands."""
    outbox(
        "submission",
        course=activity.course,
        activity=activity,
        user=learner,
        payload={"marking": _marking_payload(marking, actor)},
    )


def _marking_payload(marking: Marking, actor: User | None) -> dict[str, Any]:
    return {
        "state": marking.state,
        "marker": marking.marker.username if marking.marker_id and marking.marker else None,
        "changed_by": actor.username if actor is not None else None,
        "changed_at": marking.changed_at.isoformat(),
    }


def _release_grade(
    actor: User | None, activity: Activity, learner: User, request: HttpRequest | None
) -> None:
    """Show the learner the grade their teachers gave (Moodle pushes it to the gradebook at
    release): recorded again as released now, so that the university receives it."""
    row = Grade.objects.select_for_update().filter(activity=activity, user=learner).first()
    if row is None or row.released_at is not None:
        return
    data = settings_of(activity)
    record_grade(
        actor=actor,
        activity=activity,
        learner=learner,
        grade=row.grade,
        max_grade=row.max_grade,
        source=row.source,
        feedback=row.feedback,
        scale_item=row.scale_item,
        scale_value=data.scale.value_of(row.scale_item) if data.scale and row.scale_item else None,
        released_at=timezone.now(),
        request=request,
    )
    if _completed_by_grade(activity) and (row.grade is not None or row.scale_item):
        complete(actor=actor, activity=activity, learner=learner, by=ActivityProgress.Source.GRADE)


def set_marking_state(
    *,
    actor: User,
    activity: Activity,
    learners: Sequence[User],
    state: str,
    request: HttpRequest | None = None,
) -> int:
    """Move each of ``learners`` to ``state`` of the marking workflow (one learner from the
    grading page, the ticked ones from the submissions page); "released" shows them their
    grade and feedback, any other state hides them again. Returns how many changed (a learner
    already in that state is left as is)."""
    data = settings_of(activity)
    if not data.marking_workflow:
        raise Refused(_("This assignment has no marking workflow."))
    wanted = _marking_state(state)
    assert wanted is not None
    if not learners:
        raise Refused(_("Tick the learners whose work you want to move."))
    changed = 0
    with transaction.atomic():
        for learner in learners:
            marking = marking_of(activity, learner, lock=True)
            if (marking.state if marking else Marking.State.NOT_MARKED) == wanted:
                continue
            _set_state(actor, activity, learner, marking, wanted, request)
            if wanted == Marking.State.RELEASED:
                _release_grade(actor, activity, learner, request)
            else:
                withhold(actor=actor, activity=activity, learner=learner, request=request)
            changed += 1
    return changed


def markers_of(activity: Activity) -> Any:
    """Who may mark the assignment's work: the course's teachers."""
    return User.objects.filter(
        role=Role.TEACHER,
        is_active=True,
        enrolments__course_id=activity.course_id,
        enrolments__role=Enrolment.Role.TEACHER,
    ).order_by("last_name", "first_name", "username")


def allocate_marker(
    *,
    actor: User,
    activity: Activity,
    learner: User,
    marker: User | None,
    request: HttpRequest | None = None,
) -> Marking:
    """Give ``learner``'s work to ``marker`` (None: to nobody), with Moodle's marking
    allocation: one of the course's teachers. Idempotent."""
    data = settings_of(activity)
    if not (data.marking_workflow and data.marking_allocation):
        raise Refused(_("This assignment does not allocate markers."))
    if marker is not None and not markers_of(activity).filter(pk=marker.pk).exists():
        raise Refused(_("A marker is one of the course's teachers."))
    with transaction.atomic():
        marking = marking_of(activity, learner, lock=True)
        if marking is not None and marking.marker_id == (marker.pk if marker else None):
            return marking
        marking = _write_marking(actor, activity, learner, marking, marker=marker)
        audit(
            "assign.marker_allocated",
            actor=actor,
            target=activity,
            request=request,
            details={
                "activity": activity.pk,
                "learner": learner.username,
                "marker": marker.username if marker else None,
            },
        )
        _send_marking(actor, activity, learner, marking)
        return marking
