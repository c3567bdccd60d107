"""Builds small Moodle backups (.mbz) for tests, in the ZIP or the tar.gz flavour.

Only what the importer reads is written, shaped as Moodle writes it (moodle_backup.xml,
course/course.xml, sections/*/section.xml, activities/*/module.xml + <modname>.xml,
questions.xml in the Moodle 3 or Moodle 4+ layout, files.xml and files/<xx>/<sha1>).
Text given to the builder is XML-escaped here, as Moodle escapes its HTML fields.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

NULL = "$@NULL@$"


def el(tag: str, value: object = "", **attrs: object) -> str:
    """``<tag a="b">escaped value</tag>``; None becomes Moodle's NULL."""
    text = NULL if value is None else escape(str(value))
    attributes = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f"<{tag}{attributes}>{text}</{tag}>"


def fields(**values: object) -> str:
    return "".join(el(k, v) for k, v in values.items())


@dataclass
class Activity:
    modname: str
    module_id: int
    instance_id: int
    contextid: int
    section_id: int
    title: str


@dataclass
class Question:
    question_id: int
    category_id: int
    qtype: str
    xml: str
    entry_id: int
    version: int
    status: str = "ready"


@dataclass
class Backup:
    moodle_release: str = "4.4+ (Build: 20240510)"
    backup_release: str = "4.4"
    backup_type: str = "course"
    users: bool = False
    course_id: int = 2
    course_contextid: int = 20
    fullname: str = "Built course"
    shortname: str = "BUILT"
    summary: str = "<p>A course built for tests</p>"
    wwwroot: str = "https://moodle.example.edu"  # the Moodle site the backup claims to be from
    layout: str = "moodle4"  # questions.xml layout: "moodle4" or "moodle3"
    members: dict[str, bytes] = field(default_factory=dict)
    sections: list[tuple[int, int, str, str]] = field(default_factory=list)
    # Section id -> its visibility and Moodle availability JSON, when not the defaults.
    section_settings: dict[int, tuple[bool, str | None]] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    questions: dict[int, list[Question]] = field(default_factory=dict)
    include_course_xml: bool = True
    _next: int = 1000

    def next_id(self) -> int:
        self._next += 1
        return self._next

    # --- structure -----------------------------------------------------------------------

    def section(
        self,
        number: int,
        name: str = "",
        summary: str = "",
        *,
        visible: bool = True,
        availability: str | None = None,
        section_id: int | None = None,
    ) -> int:
        """A section (``section_id``: the same section in another version of a backup)."""
        section_id = section_id or self.next_id()
        self.sections.append((section_id, number, name, summary))
        if not visible or availability is not None:
            self.section_settings[section_id] = (visible, availability)
        return section_id

    def activity(
        self,
        modname: str,
        body: str,
        *,
        title: str,
        section: int,
        module_xml: str = "",
        visible: bool = True,
        completion: int = 0,
        availability: str | None = None,
        write_files: bool = True,
        idnumber: str = "",
    ) -> Activity:
        """An activity whose ``<modname>`` element holds ``body`` (plus name)."""
        module_id = self.next_id()
        activity = Activity(
            modname=modname,
            module_id=module_id,
            instance_id=self.next_id(),
            contextid=self.next_id(),
            section_id=section,
            title=title,
        )
        self.activities.append(activity)
        if not write_files:
            return activity
        folder = f"activities/{modname}_{module_id}"
        number = next((n for s, n, _, _ in self.sections if s == section), 0)
        self.xml(
            f"{folder}/module.xml",
            f'<module id="{module_id}" version="2024042200">'
            + fields(
                modulename=modname,
                sectionid=section,
                sectionnumber=number,
                idnumber=idnumber,
                visible=int(visible),
                completion=completion,
                completiongradeitemnumber=None,
                completionview=0,
                completionexpected=0,
                availability=availability,
            )
            + module_xml
            + "</module>",
        )
        self.xml(
            f"{folder}/{modname}.xml",
            f'<activity id="{activity.instance_id}" moduleid="{module_id}" '
            f'modulename="{modname}" contextid="{activity.contextid}">'
            f'<{modname} id="{activity.instance_id}">{el("name", title)}{body}</{modname}>'
            "</activity>",
        )
        self.xml(f"{folder}/inforef.xml", "<inforef></inforef>")
        return activity

    def file(
        self,
        *,
        contextid: int,
        component: str,
        filearea: str,
        filename: str,
        content: bytes,
        itemid: int = 0,
        filepath: str = "/",
        mimetype: str = "application/octet-stream",
        blob: bool = True,
        sortorder: int = 0,
    ) -> str:
        """A file record (and its blob, unless ``blob`` is False); returns its SHA-256."""
        sha1 = hashlib.sha1(content, usedforsecurity=False).hexdigest()
        if blob:
            self.members[f"files/{sha1[:2]}/{sha1}"] = content
        self.files.append(
            f'<file id="{self.next_id()}">'
            + fields(
                contenthash=sha1,
                contextid=contextid,
                component=component,
                filearea=filearea,
                itemid=itemid,
                filepath=filepath,
                filename=filename,
                userid=2,
                filesize=len(content),
                mimetype=mimetype,
                status=0,
                source=filename,
                author="Teacher",
                license="cc",
                sortorder=sortorder,
            )
            + "</file>"
        )
        return hashlib.sha256(content).hexdigest()

    def category(
        self, name: str, *, contextid: int | None = None, level: int = 50, instance: int = 2
    ) -> int:
        category_id = self.next_id()
        self.categories.append(
            f'<question_category id="{category_id}">'
            + fields(
                name=name,
                contextid=self.course_contextid if contextid is None else contextid,
                contextlevel=level,
                contextinstanceid=instance,
                info="",
                infoformat=1,
                stamp=f"stamp{category_id}",
                parent=0,
                sortorder=999,
                idnumber=None,
            )
            + "{questions}</question_category>"
        )
        self.questions[category_id] = []
        return category_id

    def question(
        self,
        category: int,
        qtype: str,
        name: str,
        text: str,
        plugin: str = "",
        *,
        parent: int = 0,
        entry_id: int | None = None,
        version: int = 1,
        status: str = "ready",
        hints: str = "",
        question_id: int | None = None,
        general_feedback: str = "",
    ) -> Question:
        qid = question_id or self.next_id()
        xml = (
            f'<question id="{qid}">'
            + fields(
                parent=parent,
                name=name,
                questiontext=text,
                questiontextformat=1,
                generalfeedback=general_feedback,
                generalfeedbackformat=1,
                defaultmark="1.0000000",
                penalty="0.3333333",
                qtype=qtype,
                length=1,
                stamp=f"q{qid}",
                hidden=0,
            )
            + (f"<plugin_qtype_{qtype}_question>{plugin}</plugin_qtype_{qtype}_question>")
            + f"<question_hints>{hints}</question_hints><tags></tags></question>"
        )
        question = Question(
            question_id=qid,
            category_id=category,
            qtype=qtype,
            xml=xml,
            entry_id=entry_id or self.next_id(),
            version=version,
            status=status,
        )
        self.questions[category].append(question)
        return question

    # --- raw members -------------------------------------------------------------------------

    def xml(self, name: str, body: str) -> None:
        self.members[name] = ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()

    def _questions_xml(self) -> str:
        parts = []
        for category in self.categories:
            category_id = int(category.split('"')[1])
            entries = self.questions[category_id]
            if self.layout == "moodle3":
                inner = "<questions>" + "".join(q.xml for q in entries) + "</questions>"
            else:
                by_entry: dict[int, list[Question]] = {}
                for q in entries:
                    by_entry.setdefault(q.entry_id, []).append(q)
                inner = "<question_bank_entries>"
                for entry_id, versions in by_entry.items():
                    inner += (
                        f'<question_bank_entry id="{entry_id}">'
                        + fields(questioncategoryid=category_id, idnumber=None, ownerid=2)
                        + "<question_version>"
                    )
                    for q in versions:
                        inner += (
                            f'<question_versions id="{self.next_id()}">'
                            + fields(version=q.version, status=q.status)
                            + f"<questions>{q.xml}</questions></question_versions>"
                        )
                    inner += "</question_version></question_bank_entry>"
                inner += "</question_bank_entries>"
            parts.append(category.replace("{questions}", inner))
        return "<question_categories>" + "".join(parts) + "</question_categories>"

    def _manifest(self) -> str:
        activities = "".join(
            "<activity>"
            + fields(
                moduleid=a.module_id,
                sectionid=a.section_id,
                modulename=a.modname,
                title=a.title,
                directory=f"activities/{a.modname}_{a.module_id}",
            )
            + "</activity>"
            for a in self.activities
        )
        sections = "".join(
            "<section>"
            + fields(sectionid=s, title=name or str(n), directory=f"sections/section_{s}")
            + "</section>"
            for s, n, name, _ in self.sections
        )
        course = (
            "<course>"
            + fields(courseid=self.course_id, title=self.shortname, directory="course")
            + "</course>"
            if self.backup_type == "course"
            else ""
        )
        return (
            "<moodle_backup><information>"
            + fields(
                name="backup.mbz",
                moodle_version="2024042200",
                moodle_release=self.moodle_release,
                backup_version="2024042200",
                backup_release=self.backup_release,
                backup_date=1700000000,
                original_wwwroot=self.wwwroot,
                original_course_id=self.course_id,
                original_course_format="topics",
                original_course_fullname=self.fullname,
                original_course_shortname=self.shortname,
                original_course_startdate=1700000000,
                original_course_enddate=0,
                original_course_contextid=self.course_contextid,
            )
            + "<details><detail backup_id='x'>"
            + fields(type=self.backup_type, format="moodle2", interactive=1, mode=10)
            + "</detail></details>"
            + f"<contents><activities>{activities}</activities>"
            + f"<sections>{sections}</sections>{course}</contents>"
            + "<settings>"
            + "<setting>"
            + fields(level="root", name="users", value=int(self.users))
            + "</setting></settings>"
            + "</information></moodle_backup>"
        )

    def members_out(self) -> dict[str, bytes]:
        out = dict(self.members)
        out.setdefault("moodle_backup.xml", _xml(self._manifest()))
        out.setdefault("files.xml", _xml("<files>" + "".join(self.files) + "</files>"))
        out.setdefault("questions.xml", _xml(self._questions_xml()))
        if self.include_course_xml and self.backup_type == "course":
            out.setdefault(
                "course/course.xml",
                _xml(
                    f'<course id="{self.course_id}" contextid="{self.course_contextid}">'
                    + fields(
                        shortname=self.shortname,
                        fullname=self.fullname,
                        summary=self.summary,
                        summaryformat=1,
                        format="topics",
                        startdate=1700000000,
                        enddate=0,
                        lang="fr",
                    )
                    + "</course>"
                ),
            )
        for s, n, name, summary in self.sections:
            sequence = ",".join(str(a.module_id) for a in self.activities if a.section_id == s)
            visible, availability = self.section_settings.get(s, (True, None))
            out.setdefault(
                f"sections/section_{s}/section.xml",
                _xml(
                    f'<section id="{s}">'
                    + fields(
                        number=n,
                        name=name or None,
                        summary=summary,
                        summaryformat=1,
                        sequence=sequence,
                        visible=int(visible),
                        availabilityjson=availability,
                    )
                    + "</section>"
                ),
            )
        return out

    # --- writing -----------------------------------------------------------------------------

    def build(self, path: Path, flavour: str = "zip") -> Path:
        return write_archive(path, self.members_out(), flavour)


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode()


def write_archive(path: Path, members: dict[str, bytes], flavour: str = "zip") -> Path:
    """Write ``members`` as a ZIP ("zip"), a tar.gz ("tgz") or a plain tar ("tar")."""
    if flavour == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
        return path
    mode = "w:gz" if flavour == "tgz" else "w"
    with tarfile.open(path, mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path
