"""Activities: module.xml (where, visible, completion, availability) and each kind's own XML.

``KINDS`` maps a Moodle module name to the function reading its ``<modname>.xml`` and the
subtrees to throw away while parsing (user data such as attempts: large, and not imported).
A module name missing from ``KINDS`` is skipped by the loader, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from cartable.importers import model
from cartable.importers.common import Text, gettext_noop
from cartable.importers.moodle import mxml
from cartable.importers.moodle.files import FileIndex
from cartable.importers.moodle.richtext import Texts
from cartable.importers.notes import Notes


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """module.xml."""

    module_id: int
    modname: str
    section_id: int | None
    section_number: int
    idnumber: str
    visible: bool
    availability: model.JsonValue
    completion: model.Completion


def read_module(element: Element) -> ModuleInfo:
    tracking = mxml.integer(element, "completion")
    return ModuleInfo(
        module_id=mxml.attr_int(element, "id"),
        modname=mxml.text(element, "modulename"),
        section_id=mxml.opt_int(element, "sectionid"),
        section_number=mxml.integer(element, "sectionnumber"),
        idnumber=mxml.text(element, "idnumber"),
        visible=mxml.flag(element, "visible", True),
        availability=mxml.json_value(mxml.opt_text(element, "availability")),
        completion=model.Completion(
            tracking="manual" if tracking == 1 else "automatic" if tracking == 2 else "none",
            view=mxml.flag(element, "completionview"),
            expected=mxml.when(element, "completionexpected"),
            grade=mxml.opt_int(element, "completiongradeitemnumber") is not None,
            pass_grade=mxml.flag(element, "completionpassgrade"),
        ),
    )


@dataclass(frozen=True, slots=True)
class GradeItem:
    """grades.xml: the activity's own grade item (``itemnumber`` 0)."""

    id: int | None = None  # what Moodle's "grade" access conditions name
    grade_pass: float = 0.0  # in points (0: none), which "pass grade" completion needs
    # What Moodle's XML grade import names the item by (``<assignment>``); "" when unset.
    idnumber: str = ""
    scale_id: int | None = None  # the scale it is graded on (gradetype 2), if any
    hidden: int = 0  # Moodle's ``hidden``, as ``grade_hidden`` reads it


# The latest "hidden until" Moodle's date selectors reach; a larger number is no date (a
# hostile or damaged backup): the item is then simply hidden.
LATEST_UNTIL = 253402300799  # 9999-12-31 23:59:59 UTC


def grade_hidden(value: int) -> int:
    """A grade item's ``<hidden>`` as the box keeps it (Moodle's ``grade_item::is_hidden``,
    ``is_hiddenuntil``): 0 shown to learners, 1 hidden from them, a later Unix time hidden
    until then. Moodle shows an item whose number is neither 1 nor in the future: a negative
    one is shown (0); one beyond any date is hidden (1)."""
    if value <= 0:
        return 0
    if value > LATEST_UNTIL:
        return 1
    return value


def read_grade_item(element: Element) -> GradeItem:
    """The activity's own grade item; an empty one when it has none."""
    for item in element.iter("grade_item"):
        if mxml.text(item, "itemtype") == "mod" and mxml.integer(item, "itemnumber") == 0:
            return GradeItem(
                id=mxml.attr_int(item, "id") or None,
                grade_pass=max(0.0, mxml.number(item, "gradepass")),
                idnumber=mxml.text(item, "idnumber").strip()[:100],
                scale_id=(mxml.opt_int(item, "scaleid") or None)
                if mxml.integer(item, "gradetype") == 2
                else None,
                hidden=grade_hidden(mxml.integer(item, "hidden")),
            )
    return GradeItem()


@dataclass(frozen=True, slots=True)
class People:
    """The backup's users (id: username) and groups (id: name), for what names them by id
    (a quiz's overrides); empty without them."""

    users: dict[int, str] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActivityRead:
    """What a kind's reader gets: its instance element and the tools to read it."""

    element: Element
    modname: str
    contextid: int
    texts: Texts
    files: FileIndex
    notes: Notes
    user_data: bool
    people: People = field(default_factory=People)

    @property
    def component(self) -> str:
        return f"mod_{self.modname}"

    def html(
        self, tag: str, filearea: str, itemid: int | None = 0, element: Element | None = None
    ) -> str:
        source = self.element if element is None else element
        return self.texts.html(
            mxml.opt_text(source, tag), mxml.integer(source, f"{tag}format", 1), filearea, itemid
        )

    def area(self, filearea: str, itemid: int | None = None) -> tuple[model.FileRef, ...]:
        return self.files.area_files(self.contextid, self.component, filearea, itemid)


def completion_rules(element: Element) -> tuple[tuple[str, int], ...]:
    """The kind's own completion settings (``completion...`` fields that are set)."""
    rules = []
    for child in element:
        if child.tag.startswith("completion") and len(child) == 0:
            value = mxml.opt_int(element, child.tag)
            if value:
                rules.append((child.tag, value))
    return tuple(rules)


def page(r: ActivityRead) -> model.PageContent:
    return model.PageContent(content=r.html("content", "content"))


def resource(r: ActivityRead) -> model.ResourceContent:
    files = r.area("content")
    main = max(files, key=lambda f: f.sortorder) if files else None
    if files and main is not None and main.sortorder == 0:
        main = files[0]
    return model.ResourceContent(
        main_file=main, files=files, display=mxml.integer(r.element, "display")
    )


def folder(r: ActivityRead) -> model.FolderContent:
    return model.FolderContent(tree=folder_tree(r.area("content")))


def folder_tree(files: tuple[model.FileRef, ...]) -> model.FolderNode:
    """Files (by their ``filepath``) arranged as nested folders."""
    paths = {"/"}
    for ref in files:
        parts = [p for p in ref.filepath.split("/") if p]
        for depth in range(1, len(parts) + 1):
            paths.add("/" + "/".join(parts[:depth]) + "/")

    def node(path: str) -> model.FolderNode:
        children = sorted(
            p for p in paths if p != path and p.startswith(path) and p[len(path) :].count("/") == 1
        )
        name = "" if path == "/" else path.rstrip("/").rpartition("/")[2]
        own = tuple(sorted((f for f in files if f.filepath == path), key=lambda f: f.filename))
        return model.FolderNode(
            name=name, path=path, files=own, folders=tuple(node(c) for c in children)
        )

    return node("/")


def label(r: ActivityRead) -> model.LabelContent:
    return model.LabelContent()


def url(r: ActivityRead) -> model.UrlContent:
    return model.UrlContent(
        address=mxml.text(r.element, "externalurl").strip(),
        display=mxml.integer(r.element, "display"),
    )


def book(r: ActivityRead) -> model.BookContent:
    rows = sorted(
        mxml.rows(r.element, "chapters/chapter"), key=lambda c: mxml.integer(c, "pagenum")
    )
    chapters: list[model.BookChapter] = []
    subs: list[model.BookChapter] = []

    def close() -> None:
        if chapters and subs:
            last = chapters.pop()
            chapters.append(
                model.BookChapter(
                    last.source_id, last.title, last.content, last.hidden, tuple(subs)
                )
            )
        subs.clear()

    for row in rows:
        chapter_id = mxml.attr_int(row, "id")
        chapter = model.BookChapter(
            source_id=chapter_id,
            title=mxml.text(row, "title"),
            content=r.html("content", "chapter", chapter_id, row),
            hidden=mxml.flag(row, "hidden"),
        )
        if mxml.flag(row, "subchapter") and chapters:
            subs.append(chapter)
        else:
            close()
            chapters.append(chapter)
    close()
    return model.BookContent(
        chapters=tuple(chapters), numbering=mxml.integer(r.element, "numbering")
    )


def glossary(r: ActivityRead) -> model.GlossaryContent:
    entries = []
    for row in mxml.rows(r.element, "entries/entry"):
        entry_id = mxml.attr_int(row, "id")
        entries.append(
            model.GlossaryEntry(
                source_id=entry_id,
                concept=mxml.text(row, "concept").strip(),
                definition=r.html("definition", "entry", entry_id, row),
                aliases=tuple(mxml.text(a, "alias_text") for a in mxml.rows(row, "aliases/alias")),
                approved=mxml.flag(row, "approved", True),
                attachments=r.area("attachment", entry_id),
            )
        )
    return model.GlossaryContent(
        entries=tuple(entries), display_format=mxml.text(r.element, "displayformat", "dictionary")
    )


_LESSON_PAGE_KINDS = {
    1: "shortanswer",
    2: "truefalse",
    3: "multichoice",
    5: "matching",
    8: "numerical",
    10: "essay",
    20: "content",
    21: "end_of_branch",
    30: "cluster",
    31: "end_of_cluster",
}
_LESSON_JUMPS: dict[int, model.LessonJumpKind] = {
    0: "this_page",
    -1: "next_page",
    -9: "end_of_lesson",
    -40: "previous_page",
    -50: "unseen_branch_page",
    -60: "random_page",
    -70: "random_branch",
    -80: "cluster_jump",
    1: "unseen_page",
    2: "unanswered_page",
}


def lesson(r: ActivityRead) -> model.LessonContent:
    pages: dict[int, model.LessonPage] = {}
    for row in mxml.rows(r.element, "pages/page"):
        page_id = mxml.attr_int(row, "id")
        answers = []
        for answer in mxml.rows(row, "answers/answer"):
            answer_id = mxml.attr_int(answer, "id")
            jumpto = mxml.integer(answer, "jumpto")
            jump = (
                model.LessonJump(_LESSON_JUMPS[jumpto])
                if jumpto in _LESSON_JUMPS
                else model.LessonJump("page", jumpto)
            )
            answers.append(
                model.LessonAnswer(
                    source_id=answer_id,
                    answer=r.texts.html(
                        mxml.opt_text(answer, "answer_text"),
                        mxml.integer(answer, "answerformat"),
                        "page_answers",
                        answer_id,
                    ),
                    response=r.texts.html(
                        mxml.opt_text(answer, "response"),
                        mxml.integer(answer, "responseformat"),
                        "page_responses",
                        answer_id,
                    ),
                    jump=jump,
                    score=mxml.integer(answer, "score"),
                    grade=mxml.integer(answer, "grade"),
                )
            )
        qtype = mxml.integer(row, "qtype")
        pages[page_id] = model.LessonPage(
            source_id=page_id,
            kind=_LESSON_PAGE_KINDS.get(qtype, f"type{qtype}"),
            title=mxml.text(row, "title"),
            contents=r.html("contents", "page_contents", page_id, row),
            previous_id=mxml.opt_int(row, "prevpageid") or None,
            next_id=mxml.opt_int(row, "nextpageid") or None,
            answers=tuple(answers),
        )
    return model.LessonContent(pages=_lesson_order(pages))


def _lesson_order(pages: dict[int, model.LessonPage]) -> tuple[model.LessonPage, ...]:
    first = [p for p in pages.values() if p.previous_id is None or p.previous_id not in pages]
    ordered: list[model.LessonPage] = []
    seen: set[int] = set()
    current = first[0] if first else None
    while current is not None and current.source_id not in seen:
        ordered.append(current)
        seen.add(current.source_id)
        current = pages.get(current.next_id) if current.next_id else None
    ordered.extend(p for p in pages.values() if p.source_id not in seen)  # broken chains
    return tuple(ordered)


def forum(r: ActivityRead) -> model.ForumContent:
    discussions = []
    for row in mxml.rows(r.element, "discussions/discussion") if r.user_data else []:
        posts = []
        for post in mxml.rows(row, "posts/post"):
            post_id = mxml.attr_int(post, "id")
            parent = mxml.integer(post, "parent")
            posts.append(
                model.ForumPost(
                    source_id=post_id,
                    parent_id=parent or None,
                    subject=mxml.text(post, "subject"),
                    message=r.html("message", "post", post_id, post),
                    created=mxml.when(post, "created"),
                    author_id=mxml.opt_int(post, "userid"),
                    attachments=r.area("attachment", post_id),
                )
            )
        discussions.append(
            model.ForumDiscussion(
                source_id=mxml.attr_int(row, "id"),
                name=mxml.text(row, "name"),
                posts=tuple(posts),
                pinned=mxml.flag(row, "pinned"),
            )
        )
    return model.ForumContent(
        forum_type=mxml.text(r.element, "type", "general"), discussions=tuple(discussions)
    )


def choice(r: ActivityRead) -> model.ChoiceContent:
    return model.ChoiceContent(
        options=tuple(
            model.ChoiceOption(
                source_id=mxml.attr_int(row, "id"),
                text=mxml.text(row, "text"),
                max_answers=mxml.integer(row, "maxanswers"),
            )
            for row in mxml.rows(r.element, "options/option")
        ),
        allow_update=mxml.flag(r.element, "allowupdate"),
        allow_multiple=mxml.flag(r.element, "allowmultiple"),
        limit_answers=mxml.flag(r.element, "limitanswers"),
        show_results=mxml.integer(r.element, "showresults"),
        opens=mxml.when(r.element, "timeopen"),
        closes=mxml.when(r.element, "timeclose"),
        publish_names=mxml.integer(r.element, "publish") == 1,
        show_preview=mxml.flag(r.element, "showpreview"),
        show_unanswered=mxml.flag(r.element, "showunanswered"),
    )


def feedback(r: ActivityRead) -> model.FeedbackContent:
    items = []
    for row in mxml.rows(r.element, "items/item"):
        item_id = mxml.attr_int(row, "id")
        item_type = mxml.text(row, "typ")
        presentation = mxml.text(row, "presentation")
        if item_type == "label":
            presentation = r.texts.html(presentation, 1, "item", item_id)
        items.append(
            model.FeedbackItem(
                source_id=item_id,
                item_type=item_type,
                name=mxml.text(row, "name"),
                label=mxml.text(row, "label"),
                presentation=presentation,
                required=mxml.flag(row, "required"),
                position=mxml.integer(row, "position"),
                depend_item=mxml.opt_int(row, "dependitem") or None,
                depend_value=mxml.text(row, "dependvalue"),
            )
        )
    return model.FeedbackContent(
        items=tuple(sorted(items, key=lambda i: i.position)),
        anonymous=mxml.integer(r.element, "anonymous", 1) == 1,
        page_after_submit=r.html("page_after_submit", "page_after_submit"),
        multiple_submit=mxml.flag(r.element, "multiple_submit"),
        opens=mxml.when(r.element, "timeopen"),
        closes=mxml.when(r.element, "timeclose"),
        publish_stats=mxml.flag(r.element, "publish_stats"),
    )


def assign(r: ActivityRead) -> model.AssignContent:
    config: dict[tuple[str, str, str], str] = {}
    for row in mxml.rows(r.element, "plugin_configs/plugin_config"):
        key = (mxml.text(row, "subtype"), mxml.text(row, "plugin"), mxml.text(row, "name"))
        config[key] = mxml.text(row, "value")
    enabled = tuple(
        plugin
        for (subtype, plugin, name), value in config.items()
        if subtype == "assignsubmission"
        and name == "enabled"
        and value == "1"
        and plugin != "comments"
    )

    def setting(plugin: str, name: str) -> int:
        try:
            return int(config.get(("assignsubmission", plugin, name), "0") or 0)
        except ValueError:
            return 0

    team = mxml.flag(r.element, "teamsubmission")
    grouping = mxml.integer(r.element, "teamsubmissiongroupingid") if team else 0
    if grouping > 0:
        r.notes.warn(
            Text(
                gettext_noop(
                    "The assignment '%(title)s' takes its teams from a grouping: on the box, "
                    "teams are the learners' groups."
                ),
                title=mxml.text(r.element, "name"),
            )
        )
    return model.AssignContent(
        submission_types=enabled,
        allow_submissions_from=mxml.when(r.element, "allowsubmissionsfromdate"),
        due=mxml.when(r.element, "duedate"),
        cut_off=mxml.when(r.element, "cutoffdate"),
        grading_due=mxml.when(r.element, "gradingduedate"),
        max_files=setting("file", "maxfilesubmissions"),
        max_size=setting("file", "maxsubmissionsizebytes"),
        grade=mxml.number(r.element, "grade", 100.0),
        file_types=config.get(("assignsubmission", "file", "filetypeslist"), ""),
        max_attempts=mxml.integer(r.element, "maxattempts", -1),
        team_submission=team,
        require_statement=mxml.flag(r.element, "requiresubmissionstatement"),
        intro_attachments=r.area("introattachment"),
        drafts=mxml.flag(r.element, "submissiondrafts"),
        reopen=mxml.text(r.element, "attemptreopenmethod").strip() or "none",
        marking_workflow=mxml.flag(r.element, "markingworkflow"),
        marking_allocation=mxml.flag(r.element, "markingworkflow")
        and mxml.flag(r.element, "markingallocation"),
        team_require_all=team and mxml.flag(r.element, "requireallteammemberssubmit"),
        team_prevent_not_in_group=team and mxml.flag(r.element, "preventsubmissionnotingroup"),
        team_grouping=max(grouping, 0),
    )


# Moodle 2.2's assignment types -> the submission plugins of mod_assign that replaced them.
_ASSIGNMENT_SUBMISSIONS: dict[str, tuple[str, ...]] = {
    "upload": ("file",),  # "advanced uploading of files"; its notes (var2) are online text
    "uploadsingle": ("file",),
    "online": ("onlinetext",),
    "offline": (),
}


def assignment(r: ActivityRead) -> model.AssignContent:
    """Moodle 2.2's ``assignment`` module, still found in Moodle 2.x backups, read as the
    assignment (``assign``) Moodle's own upgrade makes of it: the type gives the submission
    plugins; ``upload``'s ``var1`` is its number of files, ``var2`` allows notes (online
    text); ``maxbytes`` the size limit of the file types; late submissions prevented
    (``preventlate``) close submissions at the due date."""
    element = r.element
    assignment_type = mxml.text(element, "assignmenttype").strip()
    types = _ASSIGNMENT_SUBMISSIONS.get(assignment_type, ())
    if assignment_type == "upload" and mxml.flag(element, "var2"):
        types = (*types, "onlinetext")
    due = mxml.when(element, "timedue")
    files = "file" in types
    if assignment_type == "uploadsingle":
        max_files = 1
    elif files:
        max_files = max(0, mxml.integer(element, "var1"))
    else:
        max_files = 0
    return model.AssignContent(
        submission_types=types,
        allow_submissions_from=mxml.when(element, "timeavailable"),
        due=due,
        cut_off=due if mxml.flag(element, "preventlate") else None,
        grading_due=None,
        max_files=max_files,
        max_size=max(0, mxml.integer(element, "maxbytes")) if files else 0,
        grade=mxml.number(element, "grade", 100.0),
        # As Moodle's upgrade to mod_assign sets them: drafts from "resubmit"; one attempt.
        drafts=mxml.flag(element, "resubmit"),
        reopen="none",
    )


def scorm(r: ActivityRead) -> model.PackageContent:
    package = r.area("package")
    return model.PackageContent(
        package=package[0] if package else None,
        files=package + r.area("content"),
        version=mxml.text(r.element, "version"),
        max_grade=mxml.number(r.element, "maxgrade"),
    )


def h5pactivity(r: ActivityRead) -> model.PackageContent:
    package = r.area("package")
    return model.PackageContent(
        package=package[0] if package else None,
        files=package,
        max_grade=mxml.number(r.element, "grade"),
    )


def qbank(r: ActivityRead) -> model.QbankContent:
    return model.QbankContent(bank_type=mxml.text(r.element, "type", "standard"), category_ids=())


_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def is_safe_modname(name: str) -> bool:
    """A module name fit to build a file name from (``activities/<dir>/<modname>.xml``)."""
    return bool(_SAFE_NAME.match(name))
