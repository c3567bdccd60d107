"""Showing imported course HTML: internal links resolved to the box's addresses (lazily: the
course's activity map is read only if a page links to an activity, its file list only if it
shows or links to a file), external ones as text."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import unquote

from django.db.models import Q
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from cartable.catalog.models import Activity, Course, CourseFile
from cartable.lib.display import for_display
from cartable.lib.urls import path_name, valid_name


def shown_in_viewer(name: str, mimetype: str = "") -> bool:
    """Files a link opens in the box's own viewer rather than handing to the device."""
    return mimetype == "application/pdf" or name.lower().endswith(".pdf")


def file_link(course_id: int, sha256: str, name: str) -> str:
    """Where a link to a course file leads: its viewer page for a PDF, else the file."""
    route = "learning:document" if shown_in_viewer(name) else "learning:course_file"
    return reverse(route, args=[course_id, sha256, path_name(name)])


def file_source(course_id: int, sha256: str, name: str) -> str:
    """The address of a course file's bytes (one path segment for its name, always)."""
    return reverse("learning:course_file", args=[course_id, sha256, path_name(name)])


class CourseLinks:
    def __init__(self, course: Course, *, rule: Q | None = None) -> None:
        """A link to an activity the reader may not open becomes text, as links out do:
        ``rule`` is the reader's (``access.reader_rule``); None leaves every activity a link."""
        self.course = course
        self.rule = rule
        self._activities: dict[str, int] | None = None
        self._files: dict[str, set[str]] | None = None  # blob -> the names the course has it by
        # Whether a text shown since this was last set to False linked to a file or an
        # activity (its HTML then depends on more than the text: see learning/outline.py).
        self.reached = False
        self.course_url = reverse("learning:course", args=[course.pk])

    def file_url(self, sha256: str, quoted_name: str, attribute: str = "src") -> str | None:
        """The file's bytes for a source (an image, a video); for a link, the page that shows
        it when it needs one (a PDF, in the box's viewer: not every device reads PDFs). Only
        a file this course holds, under the name it holds it by; None for any other."""
        self.reached = True
        if self._files is None:
            self._files = {}
            for blob_id, filename in CourseFile.objects.filter(course=self.course).values_list(
                "blob_id", "filename"
            ):
                self._files.setdefault(blob_id, set()).add(filename)
        names = self._files.get(sha256)
        if not names:
            return None
        name = unquote(quoted_name)
        if name not in names or not valid_name(name):
            name = min(names)
        if attribute == "href":
            return file_link(self.course.pk, sha256, name)
        return file_source(self.course.pk, sha256, name)

    def activity_url(self, source_key: str) -> str | None:
        self.reached = True
        if self._activities is None:
            activities = Activity.objects.filter(course=self.course, retired_at__isnull=True)
            if self.rule is not None:
                activities = activities.filter(self.rule)
            self._activities = dict(activities.values_list("source_key", "id"))
        activity_id = self._activities.get(source_key)
        if activity_id is None:
            return None
        return reverse("learning:activity", args=[self.course.pk, activity_id])

    def html(self, text: str) -> SafeString:
        # The text was sanitised when it was imported (or written by the project).
        return mark_safe(  # noqa: S308
            for_display(
                text,
                file_url=self.file_url,
                activity_url=self.activity_url,
                course_url=self.course_url,
                media_notes=MEDIA_NOTES,
            )
        )


class MediaNotes(Mapping[str, str]):
    """What opens the note standing for media on the Internet, in the reader's language:
    translated when a text holds such a note (most texts hold none, and a page shows many)."""

    _SENTENCES = {
        "video": gettext_noop("This video is on the Internet and cannot be shown on the box:"),
        "audio": gettext_noop("This recording is on the Internet and cannot be shown on the box:"),
        "frame": gettext_noop("This content is on the Internet and cannot be shown on the box:"),
    }

    def __getitem__(self, kind: str) -> str:
        return gettext(self._SENTENCES[kind])

    def __iter__(self) -> Iterator[str]:
        return iter(self._SENTENCES)

    def __len__(self) -> int:
        return len(self._SENTENCES)


MEDIA_NOTES = MediaNotes()
