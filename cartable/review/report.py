"""The review report: what a course holds that staff should see before learners do, and what a
waiting update would change (read-only queries; the findings were made at import)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cartable.catalog.kinds import Kind, kind_of
from cartable.catalog.models import Activity, Course, Section
from cartable.ingest import plan as plans
from cartable.ingest.models import Revision
from cartable.ingest.publication import staged_of
from cartable.ingest.staging import StagedCourse
from cartable.lib.html import text_lines
from cartable.lib.textdiff import changes

KIND_LABELS = OrderedDict(
    [
        ("external_link", _("Links to outside the box")),
        ("external_media", _("Images, sounds or videos from outside")),
        ("dropped_address", _("Addresses that lead nowhere on the box (removed)")),
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
    """An activity waiting for a decision: current, never decided (``prefix`` reaches it
    through a relation). The partial index ``activity_waiting_idx`` holds exactly these. A
    change to a course learners see waits in its ``Revision`` instead."""
    return Q(
        **{f"{prefix}retired_at__isnull": True, f"{prefix}review_status": Activity.Review.PENDING}
    )


def waiting_courses() -> QuerySet[Course]:
    """Courses with something waiting: never reviewed, an update waiting for review, or
    activities waiting (found through the index of waiting activities: the others are not
    read)."""
    with_waiting_activities = Activity.objects.filter(waiting()).values("course_id")
    return Course.objects.filter(
        Q(status=Course.Status.PENDING_REVIEW)
        | Q(pk__in=Revision.objects.waiting().values("course_id"))
        | Q(pk__in=with_waiting_activities)
    ).exclude(status=Course.Status.REJECTED)


def queue() -> QuerySet[Course]:
    """The waiting courses, oldest import first, each with how many activities wait and
    whether an update waits."""
    return (
        waiting_courses()
        .select_related("institution")
        .annotate(
            waiting=Count("activities", filter=waiting("activities__")),
            update=Exists(Revision.objects.waiting().filter(course=OuterRef("pk"))),
        )
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


def _data_lines(kind: Kind, value: Any) -> list[str]:
    return [line for html in kind.all_texts(kind.read(value)) for line in text_lines(html)]


# The texts whose changes staff read line by line, and how each becomes lines.
TEXTS: tuple[tuple[str, Any, Any], ...] = (
    ("title", _("Title"), lambda kind, value: [str(value or "")]),
    ("intro", _("Description"), lambda kind, value: text_lines(str(value or ""))),
    ("content", _("Content"), lambda kind, value: text_lines(str(value or ""))),
    ("data", _("Chapters, entries and pages"), _data_lines),
)


def text_diffs(activity: Activity, staged: dict[str, Any]) -> list[dict[str, Any]]:
    """What a staged update changes in the activity's texts, field by field (each version
    read as its own kind says)."""
    before, after = kind_of(activity.kind), kind_of(str(staged.get("kind") or activity.kind))
    found = []
    for name, label, lines in TEXTS:
        if name not in staged:
            continue
        result = changes(lines(before, getattr(activity, name)), lines(after, staged[name]))
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
        state = {
            Activity.Review.PENDING: "new",
            Activity.Review.APPROVED: "approved",
            Activity.Review.REJECTED: "rejected",
        }[Activity.Review(activity.review_status)]
        risks = activity.risks or []
        reports.append(
            ActivityReport(
                activity=activity, state=state, risks=group(risks), risk_count=len(risks)
            )
        )
    return reports


def totals(
    course_risks: list[dict[str, Any]], reports: list[ActivityReport] | list[ChangeReport]
) -> list[dict[str, Any]]:
    """How many findings of each kind, course texts and activities together."""
    counts: dict[str, int] = {}
    for risk in course_risks or []:
        counts[risk.get("kind", "")] = counts.get(risk.get("kind", ""), 0) + 1
    for report in reports:
        for group_ in report.risks:
            counts[group_["kind"]] = counts.get(group_["kind"], 0) + len(group_["items"])
    return [
        {"kind": kind, "label": label, "count": counts[kind]}
        for kind, label in KIND_LABELS.items()
        if counts.get(kind)
    ]


def course_diffs(course: Course, staged: StagedCourse, plan: plans.Plan) -> list[dict[str, Any]]:
    """What an update changes in the course's own texts: its title, its description, its
    sections' titles and summaries."""
    found = []
    values = staged.course_fields()
    if "title" in plan.course_fields:
        found.append(
            {"label": _("Course title"), "changes": changes([course.title], [values["title"]])}
        )
    if "summary" in plan.course_fields:
        found.append(
            {
                "label": _("Course description"),
                "changes": changes(text_lines(course.summary), text_lines(values["summary"])),
            }
        )
    for change in plan.sections:
        if change.state == "retired" or not (
            change.state == "new" or {"title", "summary"} & set(change.fields)
        ):
            continue
        old = (
            [change.live.title, *text_lines(change.live.summary)]
            if change.live is not None and change.state == "changed"
            else []
        )
        assert change.staged is not None
        new = [change.staged.title, *text_lines(change.staged.summary)]
        lines = changes(old, new)
        found.append(
            {"label": _("Section “%(title)s”") % {"title": change.title}, "changes": lines}
        )
    return [diff for diff in found if diff["changes"]]


# --- A waiting update ---------------------------------------------------------------------------

# What staff read about a changed section, field by field.
SECTION_LABELS = {
    "title": _("title"),
    "summary": _("summary"),
    "availability": _("access rules"),
    "position": _("place in the course"),
}
COURSE_FIELD_LABELS = {
    "title": _("title"),
    "summary": _("description"),
    "format": _("format"),
    "language": _("language"),
    "start_date": _("start date"),
    "end_date": _("end date"),
    "source_url": _("Moodle site"),
    "source_release": _("Moodle version"),
}


@dataclass
class ChangeReport:
    """One activity an update adds, changes, moves or removes."""

    key: str
    state: str  # "new", "changed", "moved", "retired"
    title: str
    kind: str
    section: str
    live: Activity | None
    changed: list[str] = field(default_factory=list)
    diffs: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    risk_count: int = 0
    decision: dict[str, Any] | None = None

    @property
    def decidable(self) -> bool:
        return self.state != "moved"


@dataclass
class SectionReport:
    state: str  # "new", "changed", "retired"
    title: str
    changed: list[str]  # what changed, for people
    shown: bool | None  # whether learners would see it (None: unchanged)


@dataclass
class UpdateReport:
    revision: Revision
    staged: StagedCourse
    plan: plans.Plan
    course_fields: list[str]
    course_diffs: list[dict[str, Any]]
    sections: list[SectionReport]
    changes: list[ChangeReport]
    questions: plans.Changes
    unchanged: int

    @property
    def undecided(self) -> int:
        return sum(1 for item in self.changes if item.decidable and item.decision is None)


def _kind_label(kind: str) -> str:
    return kind_of(kind).label if kind else ""


def update_report(revision: Revision) -> UpdateReport:
    """Everything a waiting update would change, as staff read it before deciding."""
    course = revision.course
    staged = staged_of(revision)
    plan = plans.compute(course, staged)
    section_titles = {item.key: item.title for item in staged.sections}
    live_sections = {row.pk: row for row in Section.objects.filter(course=course)}
    for row in live_sections.values():
        section_titles.setdefault(row.source_key, row.title)
    items = []
    for change in plan.activities:
        live, item = change.live, change.staged
        fields = item.fields if item is not None else {}
        if item is not None:
            section = section_titles.get(item.section) or item.section
        else:
            assert live is not None
            section = live.section.title or str(live.section.position)
        changed: list[str] = []
        diffs: list[dict[str, Any]] = []
        if change.state == "changed" and live is not None:
            changed = sorted(
                {
                    str(label)
                    for name, label in COMPARED.items()
                    if name in fields and fields[name] != getattr(live, name, None)
                }
            )
            if live.retired_at is not None:
                changed.append(str(_("back in the course")))
            diffs = text_diffs(live, fields)
        elif change.state == "moved":
            changed = [str(_("place in the course"))]
        risks = (fields.get("risks") or []) if change.state in ("new", "changed") else []
        items.append(
            ChangeReport(
                key=change.key,
                state=change.state,
                title=change.title,
                kind=_kind_label(str(fields.get("kind") or (live.kind if live else ""))),
                section=section,
                live=live,
                changed=changed,
                diffs=diffs,
                risks=group(risks),
                risk_count=len(risks),
                decision=revision.decisions.get(change.key),
            )
        )
    sections = []
    for section_change in plan.sections:
        staged_section = section_change.staged
        described = [
            str(SECTION_LABELS[name]) for name in section_change.fields if name in SECTION_LABELS
        ]
        shown: bool | None = None
        if section_change.state == "new" and staged_section is not None:
            shown = staged_section.visible
            if staged_section.availability:
                described.append(str(SECTION_LABELS["availability"]))
        elif "visible" in section_change.fields and staged_section is not None:
            shown = staged_section.visible
        sections.append(
            SectionReport(
                state=section_change.state,
                title=section_change.title,
                changed=described,
                shown=shown,
            )
        )
    return UpdateReport(
        revision=revision,
        staged=staged,
        plan=plan,
        course_fields=[
            str(COURSE_FIELD_LABELS[name])
            for name in plan.course_fields
            if name not in ("title", "summary")
        ],
        course_diffs=course_diffs(course, staged, plan),
        sections=sections,
        changes=items,
        questions=plan.questions,
        unchanged=len(plan.unchanged),
    )
