"""A learner's portfolio: the courses they followed, their completion, their released grades
and a certificate for each course they completed, as a PDF (fpdf2) in the learner's language,
signed by the box (``seal``).

The font is Liberation Sans, which pdf.js ships (npm ``pdfjs-dist``, SIL Open Font License)
and ``make install`` copies into the static files; it lacks the narrow no-break space French
typography puts before ``: ; ! ?``, so an empty glyph of that width is added to it in memory.
"""

from __future__ import annotations

import functools
import io
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Max
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF

from cartable.accounts.models import User
from cartable.catalog.models import Enrolment
from cartable.exchange.wire.keys import PrivateIdentity
from cartable.grades import hiding
from cartable.grades.models import Grade
from cartable.learning.models import ActivityProgress
from cartable.learning.progress import EMPTY, course_progress
from cartable.records import seal
from cartable.records.models import Closure

FONTS = {
    "": "dist/pdfjs/standard_fonts/LiberationSans-Regular.ttf",
    "B": "dist/pdfjs/standard_fonts/LiberationSans-Bold.ttf",
}
NARROW_NBSP = 0x202F
# fontTools reports each subset it makes at INFO level: not news for the box's log.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class FontMissing(RuntimeError):
    """The static files lack the font (``make install`` was not run)."""


@dataclass(frozen=True)
class GradeLine:
    activity: str
    grade: float | None
    max_grade: float
    scale_item: str


@dataclass(frozen=True)
class CourseRecord:
    title: str
    institution: str
    done: int
    total: int
    percent: int
    completed_on: date | None  # set when every activity is done
    grades: tuple[GradeLine, ...]


@dataclass(frozen=True)
class Record:
    learner: User
    establishment: str
    courses: tuple[CourseRecord, ...]
    closure: Closure | None
    issued_on: date


def gather(learner: User) -> Record:
    """What the portfolio says, in five queries whatever the number of courses."""
    enrolments = list(
        Enrolment.objects.filter(user=learner, role=Enrolment.Role.LEARNER)
        .select_related("course__institution")
        .order_by("course__title", "course_id")
    )
    ids = [enrolment.course_id for enrolment in enrolments]
    progress = course_progress(learner, ids)
    last_done = dict(
        ActivityProgress.objects.filter(user=learner, course_id__in=ids, completed_at__isnull=False)
        .values("course_id")
        .annotate(last=Max("completed_at"))
        .values_list("course_id", "last")
    )
    now = timezone.now()
    grades: dict[int, list[GradeLine]] = {}
    released = (
        Grade.objects.filter(
            hiding.shown_q(now, "activity__"),
            user=learner,
            course_id__in=ids,
            released_at__isnull=False,
            released_at__lte=now,
        )
        .select_related("activity__section")
        .order_by("activity__section__position", "activity__position", "activity_id")
    )
    for grade in released:
        if grade.grade is None and not grade.scale_item:
            continue
        grades.setdefault(grade.course_id, []).append(
            GradeLine(grade.activity.title, grade.grade, grade.max_grade, grade.scale_item)
        )
    courses = []
    for enrolment in enrolments:
        course = enrolment.course
        done = progress.get(course.pk, EMPTY)
        finished = done.total > 0 and done.done >= done.total
        last = last_done.get(course.pk)
        courses.append(
            CourseRecord(
                title=course.title,
                institution=course.institution.name,
                done=done.done,
                total=done.total,
                percent=done.percent,
                completed_on=timezone.localdate(last) if finished and last else None,
                grades=tuple(grades.get(course.pk, ())),
            )
        )
    return Record(
        learner=learner,
        establishment=learner.establishment.name if learner.establishment else "",
        courses=tuple(courses),
        closure=None if learner.is_active else learner.closures.first(),
        issued_on=timezone.localdate(),
    )


def language_of(learner: User) -> str:
    available = dict(settings.LANGUAGES)
    return learner.language if learner.language in available else str(settings.LANGUAGE_CODE)


def long_date(day: date | datetime) -> str:
    """``3 décembre 2026``, ``1er mai 2026`` in French; ``3 December 2026`` in English."""
    if isinstance(day, datetime):
        day = timezone.localdate(day)
    month_year = formats.date_format(day, "F Y")
    first = translation.get_language() == "fr" and day.day == 1
    return f"{'1er' if first else day.day} {month_year}"


def number(value: float) -> str:
    """A mark as people write it: ``12``, ``12,5`` in French, ``12.5`` in English."""
    text = format(Decimal(str(round(value, 2))).normalize(), "f")
    return formats.number_format(Decimal(text), use_l10n=True)


def grade_text(line: GradeLine) -> str:
    if line.scale_item:
        return line.scale_item
    assert line.grade is not None
    return _("%(grade)s out of %(max)s") % {
        "grade": number(line.grade),
        "max": number(line.max_grade),
    }


def render(learner: User, identity: PrivateIdentity) -> bytes:
    """The signed portfolio PDF of ``learner``."""
    record = gather(learner)
    with translation.override(language_of(learner)), _fonts() as fonts:
        document = _Document(identity.public.fingerprint)
        for style, path in fonts.items():
            document.add_font("Sans", style, str(path))
        document.set_keywords(seal.placeholder(identity))
        _write(document, record)
        data = bytes(document.output())
    return seal.seal_pdf(data, identity)


class _Document(FPDF):
    def __init__(self, fingerprint: str) -> None:
        super().__init__(format="A4")
        self.fingerprint = fingerprint
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(True, margin=25)
        self.set_creator("Cartable")

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font("Sans", "", 8)
        self.set_text_color(90, 90, 90)
        self.multi_cell(
            0,
            4,
            _(
                "Signed by the Cartable box %(fingerprint)s. Check it on any Cartable box: "
                "Records, Check a document; or cartable records verify FILE."
            )
            % {"fingerprint": self.fingerprint},
            align="C",
        )
        self.set_text_color(0, 0, 0)


def _write(pdf: _Document, record: Record) -> None:
    learner = record.learner
    pdf.set_title(_("Learning record of %(name)s") % {"name": learner.display_name})
    pdf.set_author(record.establishment or "Cartable")
    pdf.set_lang(translation.get_language() or "fr")
    pdf.add_page()
    _heading(pdf, _("Learning record"), 20)
    _line(pdf, learner.display_name, bold=True, size=14)
    _line(pdf, _("Username: %(username)s") % {"username": learner.username})
    if record.establishment:
        _line(pdf, _("Establishment: %(name)s") % {"name": record.establishment})
    _line(pdf, _("Issued on %(date)s") % {"date": long_date(record.issued_on)})
    if record.closure is not None:
        _line(
            pdf,
            _("Account closed on %(date)s (%(reason)s)")
            % {
                "date": long_date(record.closure.closed_on),
                "reason": record.closure.get_reason_display(),
            },
        )
    pdf.ln(4)
    _heading(pdf, _("Courses followed"), 15)
    if not record.courses:
        _line(pdf, _("No course followed on this box."))
    for course in record.courses:
        _course(pdf, course)
    for course in record.courses:
        if course.completed_on is not None:
            _certificate(pdf, record, course)


def _course(pdf: _Document, course: CourseRecord) -> None:
    pdf.ln(2)
    _line(pdf, course.title, bold=True, size=12)
    _line(pdf, course.institution, size=10)
    _line(
        pdf,
        _("Progress: %(done)s of %(total)s activities done (%(percent)s %%)")
        % {"done": course.done, "total": course.total, "percent": course.percent},
    )
    if course.completed_on is not None:
        _line(pdf, _("Completed on %(date)s") % {"date": long_date(course.completed_on)})
    if course.grades:
        _line(pdf, _("Grades:"), bold=True)
        for grade in course.grades:
            _line(
                pdf,
                _("%(activity)s: %(grade)s")
                % {"activity": grade.activity, "grade": grade_text(grade)},
                indent=6,
            )


def _certificate(pdf: _Document, record: Record, course: CourseRecord) -> None:
    assert course.completed_on is not None
    pdf.add_page()
    pdf.ln(30)
    _heading(pdf, _("Certificate of completion"), 22, align="C")
    pdf.ln(10)
    _line(pdf, _("This certifies that"), align="C")
    pdf.ln(4)
    _line(pdf, record.learner.display_name, bold=True, size=18, align="C")
    pdf.ln(4)
    _line(pdf, _("completed the course"), align="C")
    pdf.ln(2)
    _line(pdf, _("“%(title)s”") % {"title": course.title}, bold=True, size=15, align="C")
    _line(pdf, _("offered by %(institution)s") % {"institution": course.institution}, align="C")
    pdf.ln(4)
    _line(
        pdf,
        _("on %(date)s, having done all %(total)s of its activities.")
        % {"date": long_date(course.completed_on), "total": course.total},
        align="C",
    )
    pdf.ln(16)
    if record.establishment:
        _line(
            pdf,
            _("Issued by %(establishment)s on %(date)s.")
            % {"establishment": record.establishment, "date": long_date(record.issued_on)},
            align="C",
        )


def _heading(pdf: _Document, text: str, size: int, align: str = "L") -> None:
    pdf.set_font("Sans", "B", size)
    pdf.multi_cell(0, size * 0.55, text, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _line(
    pdf: _Document,
    text: str,
    *,
    bold: bool = False,
    size: int = 11,
    align: str = "L",
    indent: int = 0,
) -> None:
    pdf.set_font("Sans", "B" if bold else "", size)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")


@contextmanager
def _fonts() -> Iterator[dict[str, Path]]:
    """The fonts as files (fpdf2 reads fonts from files), in a folder removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="cartable-fonts-") as folder:
        paths = {}
        for style, data in _font_data().items():
            path = Path(folder) / f"sans{style}.ttf"
            path.write_bytes(data)
            paths[style] = path
        yield paths


@functools.cache
def _font_data() -> dict[str, bytes]:
    found = {}
    for style, name in FONTS.items():
        path = finders.find(name)
        if not path:
            raise FontMissing(name)
        found[style] = _with_narrow_space(Path(str(path)))
    return found


def _with_narrow_space(path: Path) -> bytes:
    """The font with U+202F (narrow no-break space) as an empty glyph of a sixth of an em,
    when it lacks one."""
    font = TTFont(str(path))
    if NARROW_NBSP not in font.getBestCmap():
        width = font["head"].unitsPerEm // 6
        font["glyf"]["uni202F"] = Glyph()
        font["hmtx"]["uni202F"] = (width, 0)
        for table in font["cmap"].tables:
            if table.isUnicode():
                table.cmap[NARROW_NBSP] = "uni202F"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
