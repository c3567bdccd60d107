"""Reading a whole Moodle backup (.mbz) into the course model.

The archive is extracted to the work folder (checked and limited by ``cartable.lib.archive``),
then read file by file, each XML file incrementally. Two passes over the activities: the first
only learns each activity's ids (so that links between activities can be rewritten), the
second reads them whole. Whatever Cartable cannot import is listed in the report's skipped
items with a reason; it never stops the import.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from cartable.importers import model
from cartable.importers.common import ImporterError, Text, gettext_noop
from cartable.importers.moodle import backup, mxml, questionbank, scales
from cartable.importers.moodle.activities import (
    ActivityRead,
    GradeItem,
    People,
    completion_rules,
    is_safe_modname,
    read_grade_item,
    read_module,
)
from cartable.importers.moodle.backup import BackupInfo, ContentActivity
from cartable.importers.moodle.files import FileIndex
from cartable.importers.moodle.kinds import KINDS
from cartable.importers.moodle.questionbank import BankRead
from cartable.importers.moodle.richtext import Links, Texts
from cartable.importers.notes import Notes
from cartable.importers.questions import RandomData
from cartable.importers.report import FileStats, ImportReport
from cartable.lib.archive import ArchiveError, ArchiveLimits, Progress, extract, safe_join
from cartable.lib.risks import Finding, distinct, scan_address, scan_html
from cartable.lib.safexml import iter_records, parse_pruned, root_attributes

FORMAT_NAME = "moodle"


@dataclass(frozen=True, slots=True)
class _Pending:
    content: ContentActivity
    folder: Path
    instance_id: int
    contextid: int
    key: str


def load(
    path: Path, workdir: Path, limits: ArchiveLimits, progress: Progress | None = None
) -> model.ImportResult:
    root = extract(path, workdir, limits, progress=progress).root
    manifest = root / "moodle_backup.xml"
    if not manifest.is_file():
        if (root / "moodle.xml").is_file():
            raise ImporterError(
                "unsupported_backup",
                f"{path.name} is a Moodle 1.9 backup; Cartable reads Moodle 2 to 5 backups",
            )
        raise ImporterError(
            "not_moodle_backup", f"{path.name} is an archive but holds no moodle_backup.xml"
        )
    return read_backup(root, backup.read(manifest))


def _intro_findings(instance: Path) -> tuple[Finding, ...]:
    """What the description of a module the box skips holds (for the review report)."""
    found: list[Finding] = []
    for record in iter_records(instance, frozenset({"intro"})):
        found += scan_html(record.element.text or "")
        break
    return tuple(distinct(found))


def _folder(root: Path, directory: str) -> Path | None:
    """The folder a moodle_backup.xml ``directory`` names, refusing any path out of root."""
    try:
        return safe_join(root, directory)
    except ArchiveError:
        return None


def read_backup(root: Path, info: BackupInfo) -> model.ImportResult:
    notes = Notes()
    files = FileIndex.read(root, notes)
    course_xml = root / "course" / "course.xml"
    course_el = parse_pruned(course_xml) if course_xml.is_file() else None
    course_id = mxml.attr_int(course_el, "id", info.course_id)
    course_contextid = mxml.attr_int(course_el, "contextid", info.course_contextid)
    links = Links(course_id=course_id, files=files, notes=notes)

    pending = _first_pass(root, info, links, notes)
    bank = questionbank.read(root / "questions.xml", links, files, notes)
    people = _people(root)
    known_scales = scales.read(root / "scales.xml", notes)
    activities = [
        _activity(item, info, links, files, notes, bank, people, known_scales) for item in pending
    ]
    sections = _sections(root, info, activities, links, course_contextid)

    texts = Texts(links, course_contextid, "course", Text(gettext_noop("the course summary")))
    summary = texts.html(
        mxml.opt_text(course_el, "summary"),
        mxml.integer(course_el, "summaryformat", 1),
        "summary",
        0,
    )
    files.component_files(course_contextid, "course")  # hand out the course's own files
    all_files = tuple(sorted(files.handed_out.values(), key=lambda f: f.source_id))
    course = model.Course(
        source_id=course_id,
        title=mxml.text(course_el, "fullname") or info.course_fullname,
        shortname=mxml.text(course_el, "shortname") or info.course_shortname,
        summary=summary,
        format=mxml.text(course_el, "format") or info.course_format,
        start_date=mxml.when(course_el, "startdate") or mxml.from_timestamp(info.course_startdate),
        end_date=mxml.when(course_el, "enddate") or mxml.from_timestamp(info.course_enddate),
        moodle_release=info.moodle_release,
        backup_release=info.backup_release,
        backup_type="activity" if info.backup_type == "activity" else "course",
        sections=sections,
        activities=tuple(activities),
        question_bank=bank.bank,
        files=all_files,
        external_links=texts.external_links(),
        findings=texts.findings(),
        original_url=info.original_url,
        language=mxml.text(course_el, "lang"),
        scales=tuple(known_scales[key] for key in sorted(known_scales)),
    )
    return model.ImportResult(course=course, report=_report(course, info, notes))


def _first_pass(root: Path, info: BackupInfo, links: Links, notes: Notes) -> list[_Pending]:
    pending = []
    for content in info.activities:
        key = f"{content.modname}-{content.module_id}"
        what = Text(
            gettext_noop("activity '%(title)s' (%(module)s)"),
            title=content.title,
            module=content.modname,
        )
        if not is_safe_modname(content.modname):
            notes.skip(
                "activity",
                key,
                what,
                Text(gettext_noop("its module name is not a valid Moodle name")),
            )
            continue
        folder = _folder(root, content.directory)
        instance = folder / f"{content.modname}.xml" if folder else None
        if (
            folder is None
            or instance is None
            or not instance.is_file()
            or not info.included(content)
        ):
            notes.skip("activity", key, what, Text(gettext_noop("the backup does not include it")))
            continue
        if content.modname not in KINDS:
            notes.skip(
                "activity",
                key,
                what,
                Text(
                    gettext_noop("the module '%(module)s' is not one Cartable supports"),
                    module=content.modname,
                ),
                _intro_findings(instance),
            )
            continue
        _, attributes = root_attributes(instance)
        instance_id = int(attributes.get("id", "0") or 0)
        contextid = int(attributes.get("contextid", "0") or 0)
        links.add_activity(content.modname, content.module_id, instance_id, key)
        pending.append(_Pending(content, folder, instance_id, contextid, key))
    return pending


def _people(root: Path) -> People:
    """The usernames and group names the backup holds (users.xml, groups.xml), read as a
    stream: only what a quiz's overrides need."""
    users: dict[int, str] = {}
    groups: dict[int, str] = {}
    for name, tag, into in (
        ("users.xml", "users/user", users),
        ("groups.xml", "groups/group", groups),
    ):
        path = root / name
        if not path.is_file():
            continue
        field = "username" if into is users else "name"
        for record in iter_records(path, frozenset({tag})):
            key = mxml.attr_int(record.element, "id")
            value = mxml.text(record.element, field).strip()
            if key and value:
                into[key] = value
    return People(users=users, groups=groups)


def _activity(
    item: _Pending,
    info: BackupInfo,
    links: Links,
    files: FileIndex,
    notes: Notes,
    bank: BankRead,
    people: People,
    known_scales: dict[int, model.Scale],
) -> model.Activity:
    content = item.content
    kind = KINDS[content.modname]
    module_xml = item.folder / "module.xml"
    module = read_module(parse_pruned(module_xml)) if module_xml.is_file() else None
    activity_el = parse_pruned(item.folder / f"{content.modname}.xml", kind.drop)
    instance = activity_el.find(content.modname)
    if instance is None:
        instance = activity_el
    title = mxml.text(instance, "name") or content.title
    texts = Texts(
        links,
        item.contextid,
        f"mod_{content.modname}",
        Text(gettext_noop("%(module)s '%(title)s'"), module=content.modname, title=title),
    )
    read = ActivityRead(
        element=instance,
        modname=content.modname,
        contextid=item.contextid,
        texts=texts,
        files=files,
        notes=notes,
        user_data=info.user_data(content),
        people=people,
    )
    intro = read.html("intro", "intro")
    data = kind.read(read)
    if isinstance(data, model.QuizContent):
        data = _resolve_slots(data, bank, notes, title)
    elif isinstance(data, model.QbankContent):
        data = replace(data, category_ids=tuple(bank.module_categories.get(content.module_id, [])))
    own = files.component_files(item.contextid, f"mod_{content.modname}")
    used = {f.source_id: f for f in (*own, *texts.used_files())}
    completion = module.completion if module else model.Completion(tracking="none")
    completion = replace(completion, rules=completion_rules(instance))
    grades_xml = item.folder / "grades.xml"
    grade_item = GradeItem()
    if grades_xml.is_file():
        grade_item = read_grade_item(
            parse_pruned(grades_xml, frozenset({"grade_grades", "grade_letters"}))
        )
        completion = replace(completion, grade_item=grade_item.id, grade_pass=grade_item.grade_pass)
    if isinstance(data, model.AssignContent):
        data = _with_scale(data, grade_item, known_scales, notes, title)
    return model.Activity(
        source_key=item.key,
        source_id=content.module_id,
        instance_id=item.instance_id,
        modname=kind.imported_as or content.modname,
        title=title,
        intro=intro,
        visible=module.visible if module else True,
        section_id=module.section_id if module else content.section_id,
        section_number=module.section_number if module else 0,
        availability=module.availability if module else None,
        completion=completion,
        content=data,
        files=tuple(used.values()),
        external_links=texts.external_links(),
        idnumber=module.idnumber.strip()[:100] if module else "",
        grade_idnumber=grade_item.idnumber,
        grade_hidden=grade_item.hidden,
        findings=texts.findings()
        + (tuple(scan_address(data.address)) if isinstance(data, model.UrlContent) else ()),
    )


def _with_scale(
    data: model.AssignContent,
    grade_item: GradeItem,
    known_scales: dict[int, model.Scale],
    notes: Notes,
    title: str,
) -> model.AssignContent:
    """The assignment with the scale it is graded on, when the backup carries that scale."""
    if data.grade >= 0:
        return data
    scale_id = scales.scale_id_of(data.grade, grade_item.scale_id)
    scale = known_scales.get(scale_id) if scale_id is not None else None
    if scale is None:
        notes.warn(
            Text(
                gettext_noop(
                    "The scale of '%(title)s' is not in the backup: its grades are typed as text."
                ),
                title=title,
            )
        )
        return data
    return replace(data, scale=scale)


def _resolve_slots(
    quiz: model.QuizContent, bank: BankRead, notes: Notes, title: str
) -> model.QuizContent:
    questions = bank.bank.by_id()
    slots = []
    missing = 0
    for slot in quiz.slots:
        if slot.question_bank_entry_id is not None:
            slot = replace(
                slot, question_id=bank.question_for(slot.question_bank_entry_id, slot.version)
            )
        question = questions.get(slot.question_id) if slot.question_id is not None else None
        if question is not None and isinstance(question.data, RandomData):
            slot = replace(
                slot,
                random=model.RandomSlot(
                    category_id=question.category_id,
                    include_subcategories=question.data.include_subcategories,
                ),
            )
        elif question is None and slot.random is None:
            missing += 1
        slots.append(slot)
    if missing:
        notes.warn(
            Text(
                gettext_noop(
                    "quiz '%(title)s': %(missing)d of %(count)d questions were not imported "
                    "(see the skipped questions)"
                ),
                title=title,
                missing=missing,
                count=len(slots),
            )
        )
    return replace(quiz, slots=tuple(slots))


def _sections(
    root: Path,
    info: BackupInfo,
    activities: list[model.Activity],
    links: Links,
    course_contextid: int,
) -> tuple[model.Section, ...]:
    by_module = {a.source_id: a for a in activities}
    placed: set[int] = set()
    sections: list[model.Section] = []
    for content in info.sections:
        folder = _folder(root, content.directory)
        xml = folder / "section.xml" if folder else None
        if xml is None or not xml.is_file():
            continue
        element = parse_pruned(xml)
        section_id = mxml.attr_int(element, "id", content.section_id)
        sequence = [
            int(p)
            for p in mxml.text(element, "sequence").split(",")
            if p.strip().isascii() and p.strip().isdigit()
        ]
        keys = [by_module[m].source_key for m in sequence if m in by_module]
        placed.update(m for m in sequence if m in by_module)
        name = mxml.text(element, "name")
        texts = Texts(
            links,
            course_contextid,
            "course",
            Text(gettext_noop("section '%(title)s'"), title=name or content.title),
        )
        summary = texts.html(
            mxml.opt_text(element, "summary"),
            mxml.integer(element, "summaryformat", 1),
            "section",
            section_id,
        )
        sections.append(
            model.Section(
                source_id=section_id,
                number=mxml.integer(element, "number"),
                name=name,
                summary=summary,
                visible=mxml.flag(element, "visible", True),
                activity_keys=tuple(keys),
                availability=mxml.json_value(mxml.opt_text(element, "availabilityjson")),
                files=texts.used_files(),
                external_links=texts.external_links(),
                component=mxml.text(element, "component"),
                findings=texts.findings(),
            )
        )
    # Activities no section lists (an activity backup, or a damaged sequence): by section id.
    for activity in activities:
        if activity.source_id in placed:
            continue
        index = next(
            (i for i, s in enumerate(sections) if s.source_id == activity.section_id), None
        )
        if index is None:
            sections.append(
                model.Section(
                    source_id=activity.section_id or 0,
                    number=activity.section_number,
                    name="",
                    summary="",
                    visible=True,
                    activity_keys=(),
                )
            )
            index = len(sections) - 1
        section = sections[index]
        sections[index] = replace(
            section, activity_keys=(*section.activity_keys, activity.source_key)
        )
    return tuple(sorted(sections, key=lambda s: s.number))


def _report(course: model.Course, info: BackupInfo, notes: Notes) -> ImportReport:
    blobs = {f.sha256: f.size for f in course.files}
    links = set(course.external_links)
    for activity in course.activities:
        links.update(activity.external_links)
    for section in course.sections:
        links.update(section.external_links)
    for question in course.question_bank.walk():
        links.update(question.external_links)
    return ImportReport(
        format=FORMAT_NAME,
        moodle_release=course.moodle_release,
        backup_release=course.backup_release,
        backup_type=info.backup_type,
        course_title=course.title,
        course_shortname=course.shortname,
        sections=len(course.sections),
        activities=dict(Counter(a.modname for a in course.activities)),
        questions=questionbank.count_by_qtype(course.question_bank),
        files=FileStats(records=len(course.files), blobs=len(blobs), bytes=sum(blobs.values())),
        skipped=tuple(notes.skipped),
        warnings=tuple(notes.warnings),
        external_links=len(links),
        has_user_data=info.has_user_data,
    )
