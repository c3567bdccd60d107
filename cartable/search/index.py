"""Building the search index of a course: one ``Entry`` per thing a learner may find, with its
plain text and its normalised words. Called after each import (on commit) and by
``cartable reindex``.

The rows are read and the files' text extracted first, outside any transaction (reading PDFs
is slow); then the course's old rows are replaced in one short transaction. What the index
holds does not depend on who may see it: access is checked when searching.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from cartable.catalog import blobs
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Course, CourseFile, Section
from cartable.learning.availability import has_conditions, may_hide
from cartable.lib import crash
from cartable.lib.blobstore import BlobError
from cartable.lib.html import LinkedFile
from cartable.search.extract import PdfLimits, clean, html_text, is_pdf, pdf_text
from cartable.search.models import Entry, FileText
from cartable.search.query import Language, language_of, normalise

logger = logging.getLogger(__name__)

TEXT_MAX_CHARS = 200_000  # per row: a long PDF is indexed up to here
BATCH = 200  # rows written (and activities read) at a time
FILE_BATCH = 50  # file rows made at a time (their text read from FileText)
PDF_SECONDS = 20.0  # reading one PDF stops after this long (checked between pages)

Kind = Entry.Kind


@dataclass
class _File:
    sha256: str
    filename: str
    mimetype: str = ""


@dataclass(frozen=True)
class _Owner:
    """Where a file was found: the course, a section, or an activity (restricted or not)."""

    section: Section | None = None
    activity: Activity | None = None
    restricted: bool = False

    @property
    def key(self) -> tuple[int | None, int | None]:
        return (
            self.section.pk if self.section else None,
            self.activity.pk if self.activity else None,
        )


REINDEX = "search.reindex"  # the follow-up of a change to a course's content


def reindex_follow_up(payload: dict[str, Any]) -> None:
    reindex_course(int(payload["course"]))


def reindex_course(course_id: int, *, reread_files: bool = False) -> int:
    """Rebuild the index rows of one course; returns how many rows it now has."""
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        Entry.objects.filter(course_id=course_id).delete()
        return 0
    crash.point("indexing")
    read_pdfs(course, again=reread_files)
    count = 0
    with transaction.atomic():
        Entry.objects.filter(course_id=course_id).delete()
        rows = _Builder(course).rows()
        while batch := list(islice(rows, BATCH)):
            Entry.objects.bulk_create(batch)
            count += len(batch)
    return count


def missing_courses() -> list[int]:
    """The courses with no search entry at all (each indexed course has its own row)."""
    indexed = Entry.objects.filter(course=OuterRef("pk"))
    return list(Course.objects.filter(~Exists(indexed)).order_by("pk").values_list("pk", flat=True))


def reindex_all(*, reread_files: bool = False) -> Iterator[tuple[Course, int]]:
    for course in Course.objects.order_by("pk").only("pk", "title"):
        yield course, reindex_course(course.pk, reread_files=reread_files)


class _Builder:
    def __init__(self, course: Course) -> None:
        self.course = course
        self.language: Language = language_of(course.language or settings.LANGUAGE_CODE)

    def rows(self) -> Iterator[Entry]:
        course = self.course
        text, links = html_text(course.summary)
        yield self._row(Kind.COURSE, course.title, text)
        course_level = _Owner()
        files: list[tuple[_Owner, _File]] = [(course_level, file) for file in _linked(links)]
        sections = Section.objects.filter(course=course, retired_at__isnull=True).order_by(
            "position"
        )
        rules: dict[int, object] = {}  # section id -> its access rule
        for section in sections:
            rules[section.pk] = section.availability
            # A section closed by its rule still shows its title and summary (as in Moodle),
            # unless the rule hides it entirely.
            hidden = may_hide(section.availability)
            text, links = html_text(section.summary)
            if section.title or text:
                yield self._row(
                    Kind.SECTION,
                    section.title,
                    text,
                    section=section,
                    anchor=f"#section-{section.pk}",
                    restricted=hidden,
                )
            owner = _Owner(section=section, restricted=hidden)
            files += [(owner, file) for file in _linked(links)]
        activities = Activity.objects.filter(course=course, retired_at__isnull=True).order_by(
            "section__position", "position"
        )
        for activity in activities.iterator(chunk_size=BATCH):
            try:
                yield from self._activity(activity, rules.get(activity.section_id), files)
            except Exception:  # odd data from an old import: the rest of the course still counts
                logger.warning("could not index activity %s", activity.pk, exc_info=True)
        yield from self._files(files)

    def _row(
        self,
        kind: str,
        title: str,
        text: str,
        *,
        activity: Activity | None = None,
        section: Section | None = None,
        anchor: str = "",
        title_words: str | None = None,
        restricted: bool = False,
    ) -> Entry:
        text = text[:TEXT_MAX_CHARS]
        return Entry(
            course=self.course,
            section=section,
            activity=activity,
            kind=kind,
            anchor=anchor[:64],
            title=title[:255],
            text=text,
            title_terms=normalise(title if title_words is None else title_words, self.language),
            body_terms=normalise(text, self.language),
            restricted=restricted,
        )

    # --- Activities ---------------------------------------------------------------------------

    def _activity(
        self, activity: Activity, section_rule: object, files: list[tuple[_Owner, _File]]
    ) -> Iterator[Entry]:
        kind = kind_of(activity.kind)
        data = kind.read(activity.data)
        # Its rule or its section's may keep a learner out: its content is for staff (who
        # are held by no rule), and so is its title when a rule may hide it entirely.
        restricted = has_conditions(activity.availability) or has_conditions(section_rule)
        hidden = may_hide(activity.availability) or may_hide(section_rule)
        intro, links = html_text(activity.intro)
        content, more = html_text(activity.content)
        links += more
        text = clean(" ".join([intro, content, kind.plain(data) if data is not None else ""]))
        if not restricted:
            yield self._row(Kind.ACTIVITY, activity.title, text, activity=activity)
        else:
            # Everyone finds it by its title (the course page shows it); its text is for staff.
            yield self._row(Kind.ACTIVITY, activity.title, "", activity=activity, restricted=hidden)
            if text:
                yield self._row(
                    Kind.ACTIVITY,
                    activity.title,
                    text,
                    activity=activity,
                    title_words="",
                    restricted=True,
                )
        own: list[_File] = _linked(links)
        if activity.blob_id:
            own.append(_File(activity.blob_id, activity.filename or "file", activity.mimetype))
        if data is not None:
            own += [_File(ref.sha256, ref.filename, ref.mimetype) for ref in kind.files(data)]
            for part in kind.parts(data):
                text, links = html_text(part.html)
                own += _linked(links)
                own += [_File(ref.sha256, ref.filename, ref.mimetype) for ref in part.files]
                yield self._row(
                    part.kind,
                    part.title,
                    text,
                    activity=activity,
                    restricted=restricted,
                    anchor=part.anchor,
                    title_words=part.title_words,
                )
        owner = _Owner(activity=activity, restricted=restricted)
        files += [(owner, file) for file in own]

    # --- Files --------------------------------------------------------------------------------

    def _files(self, files: list[tuple[_Owner, _File]]) -> Iterator[Entry]:
        seen = set()
        unique = []
        for owner, file in files:
            key = (owner.key, file.sha256)
            if key not in seen and file.filename:
                seen.add(key)
                unique.append((owner, file))
        # A few files at a time: a PDF's text may be long.
        for start in range(0, len(unique), FILE_BATCH):
            chunk = unique[start : start + FILE_BATCH]
            pdfs = {file.sha256 for _, file in chunk if is_pdf(file.filename, file.mimetype)}
            texts = (
                dict(FileText.objects.filter(blob_id__in=pdfs).values_list("blob_id", "text"))
                if pdfs
                else {}
            )
            for owner, file in chunk:
                yield self._row(
                    Kind.FILE,
                    file.filename,
                    texts.get(file.sha256, "") if file.sha256 in pdfs else "",
                    activity=owner.activity,
                    section=owner.section,
                    restricted=owner.restricted,
                )


def read_pdfs(course: Course, *, again: bool = False) -> int:
    """Read the text of the course's PDF files not read before (each in its own short write:
    this is the slow part, kept out of the index's transaction). Returns how many were read."""
    limits = PdfLimits(
        max_bytes=settings.SEARCH_PDF_MAX_BYTES,
        max_pages=settings.SEARCH_PDF_MAX_PAGES,
        max_chars=TEXT_MAX_CHARS,
        seconds=PDF_SECONDS,
    )
    if limits.max_bytes == 0:
        return 0
    candidates = set(
        CourseFile.objects.filter(course=course).values_list("blob_id", "filename", "mimetype")
    ) | set(
        Activity.objects.filter(course=course, blob__isnull=False).values_list(
            "blob_id", "filename", "mimetype"
        )
    )
    pdfs = {sha256 for sha256, name, mimetype in candidates if is_pdf(name, mimetype)}
    if not again:
        pdfs -= set(FileText.objects.filter(blob_id__in=pdfs).values_list("blob_id", flat=True))
    store = blobs.store()
    for sha256 in sorted(pdfs):
        try:
            path = store.path(sha256)
        except BlobError:  # a bad name never reaches the file system
            continue
        FileText.objects.update_or_create(blob_id=sha256, defaults={"text": pdf_text(path, limits)})
    return len(pdfs)


def _linked(links: Iterable[LinkedFile]) -> list[_File]:
    return [_File(link.sha256, link.filename) for link in links]
