"""Team assignments (Moodle's ``teamsubmission``): who hands in with whom, and the work kept the
same for every member.

The box's teams are its groups of learners: a learner's team is their group when they are in
exactly one, else Moodle's default team, shared by the course's learners in no group or in
several (``rules.team_of``) of the same establishment (unlike Moodle: learners of different
prisons or study centres never share work). Moodle keeps one submission per group and a status per member;
the box keeps each member's own submission rows, written together: the team's text and files
are copied to every member's current attempt, so that each learner, teacher and the exchange
read a learner's work as for any assignment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cartable.accounts.models import Cohort, User
from cartable.assignments import rules
from cartable.assignments.models import Submission, SubmissionFile
from cartable.catalog.models import Activity, Enrolment


@dataclass(frozen=True)
class Team:
    group: Cohort | None  # None: Moodle's default team (learners in no group or in several)
    members: tuple[User, ...]  # the course's active learners of the team, ordered by name

    @property
    def name(self) -> str:
        return self.group.name if self.group is not None else ""


def _learners(activity: Activity) -> list[User]:
    return list(
        User.objects.filter(
            enrolments__course_id=activity.course_id,
            enrolments__role=Enrolment.Role.LEARNER,
            is_active=True,
        ).order_by("last_name", "first_name", "username")
    )


def _groups_of(people: Sequence[User]) -> dict[int, set[int]]:
    groups: dict[int, set[int]] = defaultdict(set)
    rows = Cohort.members.through.objects.filter(user_id__in=[p.pk for p in people])
    for user_id, cohort_id in rows.values_list("user_id", "cohort_id"):
        groups[user_id].add(cohort_id)
    return groups


def teams_of(activity: Activity) -> dict[int, int | None]:
    """Each learner of the course (by id) and their team's group id (None: default team)."""
    people = _learners(activity)
    groups = _groups_of(people)
    return {p.pk: rules.team_of(groups.get(p.pk, set())) for p in people}


def team_for(activity: Activity, learner: User) -> Team:
    people = _learners(activity)
    if learner.pk not in {p.pk for p in people}:
        people.append(learner)
    groups = _groups_of(people)
    mine = rules.team_of(groups.get(learner.pk, set()))
    members = tuple(
        p
        for p in people
        if rules.team_of(groups.get(p.pk, set())) == mine
        # The default team stays within the learner's establishment (a group is one's own):
        # learners of another prison or study centre never share work, nor see each other.
        and (mine is not None or p.establishment_id == learner.establishment_id)
    )
    group = Cohort.objects.filter(pk=mine).first() if mine is not None else None
    return Team(group, members)


def mirror(source: Submission, members: Sequence[User], now: datetime) -> list[Submission]:
    """Make each of ``members``' current submission the same work as ``source`` (its attempt,
    text, status, files); locked rows, within the caller's transaction. A member's own
    submitted mark (``member_submitted_at``) and statement stay theirs. Returns the members'
    submissions."""
    files = list(source.files.all())
    made = []
    for member in members:
        if member.pk == source.learner_id:
            continue
        current = (
            Submission.objects.select_for_update()
            .filter(activity_id=source.activity_id, learner=member)
            .order_by("-attempt")
            .first()
        )
        if current is not None and current.attempt > source.attempt:
            continue  # a later attempt of their own: never overwritten with an older one
        if current is None or current.attempt < source.attempt:
            current = Submission.objects.create(
                activity_id=source.activity_id,
                learner=member,
                attempt=source.attempt,
                modified_at=now,
            )
        current.text = source.text
        current.status = source.status
        current.modified_at = source.modified_at
        current.submitted_at = source.submitted_at
        current.save(update_fields=["text", "status", "modified_at", "submitted_at"])
        SubmissionFile.objects.filter(submission=current).delete()
        SubmissionFile.objects.bulk_create(
            SubmissionFile(
                submission=current,
                blob_id=f.blob_id,
                filename=f.filename,
                mimetype=f.mimetype,
                size=f.size,
            )
            for f in files
        )
        made.append(current)
    return made
