"""The review report: what a course holds that staff should see before learners do (read-only
queries; the findings were made at import)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cartable.catalog.models import Activity, Course
from cartable.catalog.study_time import data_texts
from cartable.lib.html import text_lines
from cartable.lib.textdiff import changes

KIND_LABELS = OrderedDict(
    [
        ("external_link", _("Links to outside the box")),
        ("external_media", _("Images, sounds or videos from outside")),
        ("frame", _("Embedded pages or objects (removed)")),
        ("script", _("Scripts and event handlers (removed)")),
        ("form", _("Forms (removed)")),
        ("executable_file", _("Programs or files with macros")),
        (
            "active_content",
            _("Web pages, drawings or scripts a browser would run (offered as downloads only)"),
        ),
        ("unknown_file", _("Files of an unknown type")),
        ("oversized_file", _("Very large files")),
        ("email", _("E-mail addresses")),
        ("phone", _("Phone numbers")),
    ]
)
# Compared to tell staff what an import changed in an activity.
COMPARED = OrderedDict(
    [
        ("title", _("title")),
        ("intro", _("description")),
        ("content", _("content")),
        ("data", _("content")),
        ("blob_id", _("file")),
        ("visible", _("visibility")),
        ("availability", _("access rules")),
    ]
)


def waiting(prefix: str = "") -> Q:
    """An activity waiting for a decision: current, and new or changed (``prefix`` reaches it
    through a relation). The partial index ``activity_waiting_idx`` holds exactly these."""
    return Q(**{f"{prefix}retired_at__isnull": True}) & (
        Q(**{f"{prefix}review_status": Activity.Review.PENDING})
        | Q(**{f"{prefix}staged__isnull": False})
    )


def waiting_courses() -> QuerySet[Course]:
    """Courses with something waiting: never reviewed, changed texts, or new or changed
    activities (found through the index of waiting activities: the others are not read)."""
    with_waiting_activities = Activity.objects.filter(waiting()).values("course_id")
    return Course.objects.filter(
        Q(status=Course.Status.PENDING_REVIEW)
        | Q(staged__isnull=False)
        | Q(pk__in=with_waiting_activities)
    ).exclude(status=Course.Status.REJECTED)


def queue() -> QuerySet[Course]:
    """The waiting courses, oldest import first, each with how many activities wait."""
    return (
        waiting_courses()
        .select_related("institution")
        .annotate(waiting=Count("activities", filter=waiting("activities__")))
        .order_by("imported_at", "title")
    )


def group(risks: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Findings by kind, in the order staff should read them, each detail once."""
    by_kind: dict[str, list[dict[str, str]]] = {}
    for risk in risks or []:
        details = by_kind.setdefault(risk.get("kind", ""), [])
        if risk not in details:
            details.append(risk)
    return [
        {"kind": kind, "label": label, "items": by_kind[kind]}
        for kind, label in KIND_LABELS.items()
        if kind in by_kind
    ]


@dataclass
class ActivityReport:
    activity: Activity
    state: str  # "new", "changed", "approved", "rejected"
    risks: list[dict[str, Any]]
    changed: list[str] = field(default_factory=list)
    risk_count: int = 0
    # For a changed activity: what its texts would become, line by line, per field.
    diffs: list[dict[str, Any]] = field(default_factory=list)


# The texts whose changes staff read line by line, and how each becomes lines.
TEXTS: tuple[tuple[str, Any, Any], ...] = (
    ("title", _("Title"), lambda value: [str(value or "")]),
    ("intro", _("Description"), lambda value: text_lines(str(value or ""))),
    ("content", _("Content"), lambda value: text_lines(str(value or ""))),
    (
        "data",
        _("Chapters, entries and pages"),
        lambda value: [line for html in data_texts(value) for line in text_lines(html)],
    ),
)


def text_diffs(activity: Activity, staged: dict[str, Any]) -> list[dict[str, Any]]:
    """What a staged update changes in the activity's texts, field by field."""
    found = []
    for name, label, lines in TEXTS:
        if name not in staged:
            continue
        result = changes(lines(getattr(activity, name)), lines(staged[name]))
        if result:
            found.append({"label": label, "changes": result})
    return found


def activity_reports(course: Course, *, only_waiting: bool) -> list[ActivityReport]:
    activities = Activity.objects.filter(course=course, retired_at__isnull=True).select_related(
        "section"
    )
    if only_waiting:
        activities = activities.filter(waiting())
    reports = []
    for activity in activities.order_by("section__position", "position"):
        staged = activity.staged
        if staged is not None:
            state = "changed"
            risks = staged.get("risks") or []
            changed = sorted(
                {
                    str(label)
                    for name, label in COMPARED.items()
                    if staged.get(name) != getattr(activity, name, None) and name in staged
                }
            )
            diffs = text_diffs(activity, staged)
        else:
            state = {
                Activity.Review.PENDING: "new",
                Activity.Review.APPROVED: "approved",
                Activity.Review.REJECTED: "rejected",
            }[Activity.Review(activity.review_status)]
            risks = activity.risks or []
            changed = []
            diffs = []
        reports.append(
            ActivityReport(
                activity=activity,
                state=state,
                risks=group(risks),
                changed=changed,
                risk_count=len(risks),
                diffs=diffs,
            )
        )
    return reports


def totals(course: Course, reports: list[ActivityReport]) -> list[dict[str, Any]]:
    """How many findings of each kind, course texts and activities together."""
    counts: dict[str, int] = {}
    for risk in course.risks or []:
        counts[risk.get("kind", "")] = counts.get(risk.get("kind", ""), 0) + 1
    for report in reports:
        for group_ in report.risks:
            counts[group_["kind"]] = counts.get(group_["kind"], 0) + len(group_["items"])
    return [
        {"kind": kind, "label": label, "count": counts[kind]}
        for kind, label in KIND_LABELS.items()
        if counts.get(kind)
    ]


def course_diffs(course: Course) -> list[dict[str, Any]]:
    """What a staged update changes in the course's own texts: its title, its description,
    its sections' titles and summaries."""
    staged = course.staged or {}
    found = []
    if "title" in staged:
        found.append(
            {"label": _("Course title"), "changes": changes([course.title], [staged["title"]])}
        )
    if "summary" in staged:
        found.append(
            {
                "label": _("Course description"),
                "changes": changes(text_lines(course.summary), text_lines(staged["summary"])),
            }
        )
    sections = staged.get("sections") or {}
    current = {
        section.source_key: section
        for section in course.sections.filter(source_key__in=list(sections))
    }
    for key, texts in sections.items():
        section = current.get(key)
        old_title, old_summary = (section.title, section.summary) if section else ("", "")
        lines = changes(
            [old_title, *text_lines(old_summary)],
            [texts.get("title", ""), *text_lines(texts.get("summary", ""))],
        )
        title = texts.get("title") or old_title or key
        found.append({"label": _("Section “%(title)s”") % {"title": title}, "changes": lines})
    return [diff for diff in found if diff["changes"]]
