"""moodle_backup.xml: which Moodle wrote the backup, of what, and what it contains."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cartable.importers.common import ImporterError
from cartable.importers.moodle import mxml
from cartable.lib.safexml import parse_pruned


@dataclass(frozen=True, slots=True)
class ContentActivity:
    module_id: int
    section_id: int | None
    modname: str
    title: str
    directory: str


@dataclass(frozen=True, slots=True)
class ContentSection:
    section_id: int
    title: str
    directory: str


@dataclass(frozen=True, slots=True)
class BackupInfo:
    moodle_release: str
    moodle_version: str
    backup_release: str
    backup_type: str  # "course", "section" or "activity"
    original_url: str
    course_id: int
    course_contextid: int
    course_fullname: str
    course_shortname: str
    course_format: str
    course_startdate: int
    course_enddate: int
    activities: tuple[ContentActivity, ...]
    sections: tuple[ContentSection, ...]
    course_directory: str | None
    settings: dict[str, str]  # name -> value, all levels (names are unique in Moodle's plan)

    @property
    def has_user_data(self) -> bool:
        return self.settings.get("users", "0") == "1"

    def included(self, activity: ContentActivity) -> bool:
        prefix = f"{activity.modname}_{activity.module_id}"
        return self.settings.get(f"{prefix}_included", "1") != "0"

    def user_data(self, activity: ContentActivity) -> bool:
        prefix = f"{activity.modname}_{activity.module_id}"
        return self.has_user_data and self.settings.get(f"{prefix}_userinfo", "1") != "0"


def read(path: Path) -> BackupInfo:
    root = parse_pruned(path)
    if root.tag != "moodle_backup":
        raise ImporterError(
            "not_moodle_backup", f"moodle_backup.xml has a <{root.tag}> root, not <moodle_backup>"
        )
    info = root.find("information")
    if info is None:
        raise ImporterError("not_moodle_backup", "moodle_backup.xml has no <information>")
    detail = info.find("details/detail")
    backup_format = mxml.text(detail, "format", "moodle2")
    if backup_format != "moodle2":
        raise ImporterError(
            "unsupported_backup",
            f"this backup is in the {backup_format!r} format; Cartable reads Moodle 2 to 5 "
            "backups (format 'moodle2')",
        )
    contents = info.find("contents")
    activities = tuple(
        ContentActivity(
            module_id=mxml.integer(row, "moduleid"),
            section_id=mxml.opt_int(row, "sectionid"),
            modname=mxml.text(row, "modulename"),
            title=mxml.text(row, "title"),
            directory=mxml.text(row, "directory"),
        )
        for row in mxml.rows(contents, "activities/activity")
    )
    sections = tuple(
        ContentSection(
            section_id=mxml.integer(row, "sectionid"),
            title=mxml.text(row, "title"),
            directory=mxml.text(row, "directory"),
        )
        for row in mxml.rows(contents, "sections/section")
    )
    course = contents.find("course") if contents is not None else None
    settings = {
        mxml.text(row, "name"): mxml.text(row, "value")
        for row in mxml.rows(info, "settings/setting")
    }
    return BackupInfo(
        moodle_release=mxml.text(info, "moodle_release"),
        moodle_version=mxml.text(info, "moodle_version"),
        backup_release=mxml.text(info, "backup_release"),
        backup_type=mxml.text(detail, "type", "course"),
        original_url=mxml.text(info, "original_wwwroot"),
        course_id=mxml.integer(info, "original_course_id"),
        course_contextid=mxml.integer(info, "original_course_contextid"),
        course_fullname=mxml.text(info, "original_course_fullname"),
        course_shortname=mxml.text(info, "original_course_shortname"),
        course_format=mxml.text(info, "original_course_format"),
        course_startdate=mxml.integer(info, "original_course_startdate"),
        course_enddate=mxml.integer(info, "original_course_enddate"),
        activities=activities,
        sections=sections,
        course_directory=mxml.text(course, "directory") or None,
        settings=settings,
    )
