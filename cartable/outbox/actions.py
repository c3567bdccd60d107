"""Adding to the outbox: called by the actions that make learners' work and grades, inside
their transaction, so an entry exists exactly when the change it carries does."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cartable.accounts.models import User
from cartable.catalog.models import Activity, Course
from cartable.outbox.models import Entry


def add(
    kind: str,
    *,
    course: Course,
    payload: dict[str, Any],
    activity: Activity | None = None,
    user: User | None = None,
) -> Entry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox entries are written in the transaction of their change")
    return Entry.objects.create(
        kind=kind,
        course=course,
        activity=activity,
        user=user,
        payload={
            "course": {
                "source": course.source,
                "id": course.source_id,
                "shortname": course.shortname,
            },
            **(
                {
                    "activity": {
                        "key": activity.source_key,
                        "kind": activity.kind,
                        "title": activity.title,
                        # What the university's gradebook names it by (Moodle's XML
                        # grade import: the grade item's idnumber), "" when unset.
                        "idnumber": activity.idnumber,
                        "grade_idnumber": activity.grade_idnumber,
                    }
                }
                if activity is not None
                else {}
            ),
            **({"user": {"username": user.username}} if user is not None else {}),
            **payload,
        },
    )
