"""Learning records as xAPI statements (plain JSON) for the university's learning record store
(pure): one statement per outbox entry a box sent, its actor an account on the university's
Moodle site (never an e-mail address), its object the Moodle activity's own address.

A statement's id is derived from the box and the entry (UUID 5), so sending it twice stores it
once: an LRS refuses, or ignores, a second statement with the same id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

NAMESPACE = uuid.UUID("5d1b3a52-8f0e-4a9c-9a57-3b8f2c6e0a11")
VERSION = "1.0.3"
_KEY = re.compile(r"\A([a-z0-9_]+)-(\d+)\Z")

VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "scored": "http://adlnet.gov/expapi/verbs/scored",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "submitted": "http://activitystrea.ms/schema/1.0/submit",
}


def _verb(name: str) -> dict[str, Any]:
    return {"id": VERBS[name], "display": {"en-US": name}}


def activity_iri(site: str, key: str, course_id: str) -> str:
    """A Moodle activity's page (``<modname>-<module id>`` keys), else one under the course."""
    site = site.rstrip("/")
    found = _KEY.match(key)
    if found:
        return f"{site}/mod/{found.group(1)}/view.php?id={found.group(2)}"
    return f"{site}/course/view.php?id={course_id}#{key}"


def _number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _score(raw: Any, maximum: Any) -> dict[str, Any] | None:
    got, top = _number(raw), _number(maximum)
    if got is None:
        return None
    score: dict[str, Any] = {"raw": float(got), "min": 0.0}
    if top is not None and top > 0:
        score["max"] = float(top)
        score["scaled"] = float(max(Decimal(-1), min(Decimal(1), got / top)))
    return score


def statement(
    entry: Mapping[str, Any], *, site: str, box: str, language: str = "fr"
) -> dict[str, Any] | None:
    """The statement of one entry (``id``, ``kind``, ``created_at``, ``payload`` as a work
    bundle carries it), or None when it has no learner (anonymous answers) or says nothing
    an LRS keeps (a completion withdrawn, a choice removed)."""
    payload = entry["payload"]
    user = (payload.get("user") or {}).get("username")
    activity = payload.get("activity") or {}
    course = payload.get("course") or {}
    if not user or not activity.get("key"):
        return None
    kind = entry["kind"]
    result: dict[str, Any] = {}
    timestamp = entry["created_at"]
    if kind == "completion":
        if not payload.get("completed"):
            return None
        verb = "completed"
        result["completion"] = True
        timestamp = payload.get("at") or timestamp
    elif kind == "grade":
        verb = "scored"
        score = _score(payload.get("grade"), payload.get("max"))
        if score is None:
            return None
        result["score"] = score
        if payload.get("feedback"):
            result["response"] = str(payload["feedback"])
        timestamp = payload.get("graded_at") or timestamp
    elif kind == "attempt":
        finished = payload.get("finished_at")
        verb = "completed" if finished else "attempted"
        score = _score(payload.get("grade"), payload.get("max_grade"))
        if score is not None:
            result["score"] = score
        if finished:
            result["completion"] = True
        timestamp = finished or payload.get("started_at") or timestamp
    elif kind == "submission":
        if payload.get("status") != "submitted":
            return None
        verb = "submitted"
        timestamp = payload.get("submitted_at") or timestamp
    elif kind in ("choice", "survey"):
        if kind == "choice" and not payload.get("options"):
            return None
        verb = "answered"
    else:
        return None
    made: dict[str, Any] = {
        "id": str(uuid.uuid5(NAMESPACE, f"{box}/{entry['id']}")),
        "version": VERSION,
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": site.rstrip("/"), "name": str(user)},
        },
        "verb": _verb(verb),
        "object": {
            "objectType": "Activity",
            "id": activity_iri(site, str(activity["key"]), str(course.get("id", ""))),
            "definition": {"name": {language: str(activity.get("title", ""))}},
        },
        "timestamp": timestamp,
        "context": {
            "platform": "Cartable",
            "language": language,
            "contextActivities": {
                "parent": [
                    {
                        "objectType": "Activity",
                        "id": f"{site.rstrip('/')}/course/view.php?id={course.get('id', '')}",
                    }
                ]
            },
        },
    }
    if result:
        made["result"] = result
    return made
