"""The imported course, as frozen dataclasses: what every importer produces, whatever the format.

HTML fields are already sanitised (``cartable.lib.html.sanitise``) and their links rewritten to
``cartable-file:``, ``cartable-activity:`` and ``cartable-course:`` URLs. Dates are aware
(UTC) datetimes, or None where the source had none. ``source_id`` and ``source_key`` are the
identifiers the source gave, stable when the same course is imported again.

Questions live in ``questions.py`` (they are many kinds); the report in ``report.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias

from cartable.importers.common import FileRef, JsonValue
from cartable.importers.questions import QuestionBank
from cartable.importers.report import ImportReport, Skipped
from cartable.lib.risks import Finding

__all__ = [
    "Activity",
    "ActivityContent",
    "Course",
    "FileRef",
    "ImportReport",
    "ImportResult",
    "JsonValue",
    "QuestionBank",
    "Section",
    "Skipped",
]

# --- Activities, by kind ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageContent:
    content: str


@dataclass(frozen=True, slots=True)
class ResourceContent:
    main_file: FileRef | None
    files: tuple[FileRef, ...]
    display: int = 0


@dataclass(frozen=True, slots=True)
class FolderNode:
    name: str  # "" for the root
    path: str  # "/" for the root, else "/a/b/"
    files: tuple[FileRef, ...]
    folders: tuple[FolderNode, ...]


@dataclass(frozen=True, slots=True)
class FolderContent:
    tree: FolderNode


@dataclass(frozen=True, slots=True)
class LabelContent:
    """A label's text is its ``intro``."""


@dataclass(frozen=True, slots=True)
class UrlContent:
    address: str  # kept as text: the box has no Internet
    display: int = 0


@dataclass(frozen=True, slots=True)
class BookChapter:
    source_id: int
    title: str
    content: str
    hidden: bool
    subchapters: tuple[BookChapter, ...] = ()


@dataclass(frozen=True, slots=True)
class BookContent:
    chapters: tuple[BookChapter, ...]
    numbering: int = 0


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    source_id: int
    concept: str
    definition: str
    aliases: tuple[str, ...]
    approved: bool
    attachments: tuple[FileRef, ...]


@dataclass(frozen=True, slots=True)
class GlossaryContent:
    entries: tuple[GlossaryEntry, ...]
    display_format: str = "dictionary"


LessonJumpKind = Literal[
    "page",
    "this_page",
    "next_page",
    "previous_page",
    "end_of_lesson",
    "unseen_page",
    "unanswered_page",
    "unseen_branch_page",
    "random_page",
    "random_branch",
    "cluster_jump",
]


@dataclass(frozen=True, slots=True)
class LessonJump:
    kind: LessonJumpKind
    page_id: int | None = None  # for kind "page"


@dataclass(frozen=True, slots=True)
class LessonAnswer:
    source_id: int
    answer: str
    response: str
    jump: LessonJump
    score: int
    grade: int


@dataclass(frozen=True, slots=True)
class LessonPage:
    source_id: int
    kind: str  # "content", "multichoice", "truefalse", "shortanswer", "numerical", ...
    title: str
    contents: str
    previous_id: int | None
    next_id: int | None
    answers: tuple[LessonAnswer, ...]


@dataclass(frozen=True, slots=True)
class LessonContent:
    pages: tuple[LessonPage, ...]  # in lesson order (following next_id from the first)


@dataclass(frozen=True, slots=True)
class ForumPost:
    source_id: int
    parent_id: int | None
    subject: str
    message: str
    created: datetime | None
    author_id: int | None
    attachments: tuple[FileRef, ...]


@dataclass(frozen=True, slots=True)
class ForumDiscussion:
    source_id: int
    name: str
    posts: tuple[ForumPost, ...]
    pinned: bool = False


@dataclass(frozen=True, slots=True)
class ForumContent:
    forum_type: str  # "general", "news", "qanda", "single", ...
    discussions: tuple[ForumDiscussion, ...]  # only when the backup holds user data


@dataclass(frozen=True, slots=True)
class ChoiceOption:
    source_id: int
    text: str
    max_answers: int


@dataclass(frozen=True, slots=True)
class ChoiceContent:
    options: tuple[ChoiceOption, ...]
    allow_update: bool
    allow_multiple: bool
    limit_answers: bool
    show_results: int  # 0 never, 1 after answering, 2 after close, 3 always (Moodle's)
    opens: datetime | None
    closes: datetime | None
    publish_names: bool = False  # results name who chose what (Moodle's "publish")
    show_preview: bool = False  # its options shown before it opens (Moodle's "showpreview")
    # Results show who has not answered yet (Moodle's "showunanswered"): names where the
    # results name people, a number otherwise.
    show_unanswered: bool = False


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    source_id: int
    item_type: str  # "multichoice", "textfield", "label", "pagebreak", ...
    name: str
    label: str
    presentation: str
    required: bool
    position: int
    depend_item: int | None = None
    depend_value: str = ""


@dataclass(frozen=True, slots=True)
class FeedbackContent:
    items: tuple[FeedbackItem, ...]
    anonymous: bool
    page_after_submit: str = ""
    multiple_submit: bool = False
    opens: datetime | None = None
    closes: datetime | None = None
    publish_stats: bool = False  # learners who answered see the results


@dataclass(frozen=True, slots=True)
class ReviewWhen:
    """When one kind of review information is shown (Moodle's four moments)."""

    during: bool
    immediately_after: bool
    later_while_open: bool
    after_close: bool


@dataclass(frozen=True, slots=True)
class QuizReview:
    attempt: ReviewWhen
    correctness: ReviewWhen
    marks: ReviewWhen
    max_marks: ReviewWhen
    specific_feedback: ReviewWhen
    general_feedback: ReviewWhen
    right_answer: ReviewWhen
    overall_feedback: ReviewWhen


@dataclass(frozen=True, slots=True)
class RandomSlot:
    """A slot drawing a random question from a category."""

    category_id: int | None
    include_subcategories: bool
    filter_condition: JsonValue = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuizSlot:
    slot: int
    page: int
    max_mark: float
    question_id: int | None  # source id of the (version of the) question shown
    question_bank_entry_id: int | None = None  # Moodle 4+
    version: int | None = None  # None: always the latest version
    random: RandomSlot | None = None
    require_previous: bool = False


@dataclass(frozen=True, slots=True)
class QuizSection:
    first_slot: int
    heading: str
    shuffle_questions: bool


@dataclass(frozen=True, slots=True)
class QuizFeedback:
    text: str
    min_grade: float
    max_grade: float


GradingMethod = Literal["highest", "average", "first", "last"]


@dataclass(frozen=True, slots=True)
class QuizContent:
    attempts: int  # 0: unlimited
    time_limit: int  # seconds, 0: none
    opens: datetime | None
    closes: datetime | None
    grading_method: GradingMethod
    grade: float
    sum_grades: float
    questions_per_page: int
    navigation: str  # "free" or "sequential"
    shuffle_answers: bool
    preferred_behaviour: str
    review: QuizReview
    sections: tuple[QuizSection, ...]
    slots: tuple[QuizSlot, ...]
    feedbacks: tuple[QuizFeedback, ...]
    password_protected: bool = False
    # The password learners give to start an attempt, as the backup carries it (Moodle keeps
    # it in clear in quiz.password and backs it up); "" with ``password_protected``: a quiz
    # imported before the box read it, which nobody may start until it is imported again.
    password: str = ""
    # Moodle's quiz_overrides as the backup carries them (with its users' data only).
    overrides: tuple[QuizOverride, ...] = ()
    # Other passwords that open the quiz to one learner (several groups' overrides give
    # several); never imported, only in the settings computed for a learner.
    extra_passwords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class QuizOverride:
    """One learner's (``user``: their username) or one group's (``group``: its name) own
    settings of a quiz, Moodle's quiz_overrides row. None: the quiz's setting holds. A time
    limit or a number of attempts of 0 is none (unlimited); ``open_any_time`` and
    ``never_closes`` lift the open and close dates (Moodle's 0)."""

    user: str = ""
    group: str = ""
    opens: datetime | None = None
    closes: datetime | None = None
    time_limit: int | None = None
    attempts: int | None = None
    password: str | None = None
    open_any_time: bool = False
    never_closes: bool = False


@dataclass(frozen=True, slots=True)
class Scale:
    """A Moodle scale: a grade is one of its items, stored as its position counted from 1."""

    source_id: int
    name: str
    items: tuple[str, ...]  # lowest first, as Moodle lists them

    def value_of(self, item: str) -> int | None:
        """The position (from 1) of ``item``, as Moodle stores the grade; None: not an item."""
        wanted = item.strip()
        for position, name in enumerate(self.items, start=1):
            if name and name == wanted:
                return position
        return None

    def item_at(self, value: int) -> str | None:
        return (self.items[value - 1] or None) if 1 <= value <= len(self.items) else None


@dataclass(frozen=True, slots=True)
class AssignContent:
    submission_types: tuple[str, ...]  # enabled submission plugins, e.g. ("onlinetext", "file")
    allow_submissions_from: datetime | None
    due: datetime | None
    cut_off: datetime | None
    grading_due: datetime | None
    max_files: int
    max_size: int  # bytes, 0: the site's limit
    grade: float  # maximum grade; negative: a scale
    file_types: str = ""
    max_attempts: int = -1
    team_submission: bool = False
    require_statement: bool = False
    intro_attachments: tuple[FileRef, ...] = ()
    # Moodle's "require students to click the submit button" (submissiondrafts): drafts, then
    # "submit for grading"; without it, work saved is submitted and may be changed while the
    # assignment is open.
    drafts: bool = True
    # How another attempt opens (attemptreopenmethod): "none" (one attempt), "manual" (the
    # teacher opens it), "automatic" (each grading opens it), "untilpass" (a grading below the
    # pass grade opens it); always within ``max_attempts``.
    reopen: str = "manual"
    # The scale it is graded on (``grade`` negative), when the backup carries it.
    scale: Scale | None = None
    # Moodle's marking workflow (markingworkflow): grades go through states and reach the
    # learner when released; with allocation (markingallocation), a marker per learner.
    marking_workflow: bool = False
    marking_allocation: bool = False
    # Team submissions (teamsubmission): one piece of work per group, shared by its members;
    # with ``team_require_all`` (requireallteammemberssubmit), it goes for grading once every
    # member has submitted; with ``team_prevent_not_in_group`` (preventsubmissionnotingroup),
    # a learner in no group (or in several) may not hand in. ``team_grouping``: Moodle's
    # grouping (teamsubmissiongroupingid), which the box has no counterpart of (0: none).
    team_require_all: bool = False
    team_prevent_not_in_group: bool = False
    team_grouping: int = 0


@dataclass(frozen=True, slots=True)
class PackageContent:
    """A SCORM or H5P activity: a package file to be played by a renderer."""

    package: FileRef | None
    files: tuple[FileRef, ...]  # the package and any unpacked content the backup held
    version: str = ""
    max_grade: float = 0.0


@dataclass(frozen=True, slots=True)
class QbankContent:
    """A Moodle 5 question bank module; its categories are in the course's question bank."""

    bank_type: str
    category_ids: tuple[int, ...]


ActivityContent: TypeAlias = (
    PageContent
    | ResourceContent
    | FolderContent
    | LabelContent
    | UrlContent
    | BookContent
    | GlossaryContent
    | LessonContent
    | ForumContent
    | ChoiceContent
    | FeedbackContent
    | QuizContent
    | AssignContent
    | PackageContent
    | QbankContent
)


@dataclass(frozen=True, slots=True)
class Completion:
    tracking: Literal["none", "manual", "automatic"]
    view: bool = False
    expected: datetime | None = None
    grade: bool = False
    pass_grade: bool = False
    rules: tuple[tuple[str, int], ...] = ()  # kind-specific, e.g. ("completionsubmit", 1)
    # The activity's grade item (its grades.xml): the id Moodle's "grade" access conditions
    # name, and the grade to pass in points (0: none), which "pass grade" completion needs.
    grade_item: int | None = None
    grade_pass: float = 0.0


@dataclass(frozen=True, slots=True)
class Activity:
    source_key: str  # "<modname>-<module id>": stable across re-imports
    source_id: int  # the module id
    instance_id: int
    modname: str
    title: str
    intro: str
    visible: bool
    section_id: int | None
    section_number: int
    availability: JsonValue
    completion: Completion
    content: ActivityContent
    files: tuple[FileRef, ...]
    external_links: tuple[str, ...]
    idnumber: str = ""  # the course module's (Moodle's "ID number" of the activity)
    # Its grade item's idnumber (grades.xml), which Moodle's XML grade import names it by.
    grade_idnumber: str = ""
    findings: tuple[Finding, ...] = ()  # what the review report shows staff
    # Whether its grade item hides grades from learners (Moodle's ``grade_items.hidden``): 0
    # no, 1 yes, a Unix time: until then.
    grade_hidden: int = 0


@dataclass(frozen=True, slots=True)
class Section:
    source_id: int
    number: int
    name: str  # "" when the source left it to the format's default
    summary: str
    visible: bool
    activity_keys: tuple[str, ...]  # source keys of the imported activities, in order
    availability: JsonValue = None
    files: tuple[FileRef, ...] = ()
    external_links: tuple[str, ...] = ()
    component: str = ""  # Moodle 4.5+: the module a delegated section belongs to
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Course:
    source_id: int
    title: str
    shortname: str
    summary: str
    format: str
    start_date: datetime | None
    end_date: datetime | None
    moodle_release: str
    backup_release: str
    backup_type: Literal["course", "activity"]
    sections: tuple[Section, ...]
    activities: tuple[Activity, ...]
    question_bank: QuestionBank
    files: tuple[FileRef, ...]  # every file of the course, each record once
    external_links: tuple[str, ...] = ()
    original_url: str = ""
    language: str = ""
    findings: tuple[Finding, ...] = ()  # in the course's own texts (summary)
    scales: tuple[Scale, ...] = ()  # the scales of scales.xml (those its grades use)

    def activity(self, source_key: str) -> Activity | None:
        for activity in self.activities:
            if activity.source_key == source_key:
                return activity
        return None


@dataclass(frozen=True, slots=True)
class ImportResult:
    course: Course
    report: ImportReport
