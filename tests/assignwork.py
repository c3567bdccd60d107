"""Assignments for tests: one added to a course with the importer's settings, and files to
hand in (real signatures, so that their content is what their name says)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from cartable.catalog.models import Activity, Course
from tests.kinddata import assign

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def homework(course: Course, *, title: str = "Devoir 1", **settings: Any) -> Activity:
    return Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=90 + course.activities.count(),
        kind=Activity.Kind.ASSIGN,
        review_status=Activity.Review.APPROVED,
        title=title,
        intro="<p>Rédigez un commentaire.</p>",
        data=assign(**settings),
        completion={"tracking": "automatic", "rules": [["completionsubmit", 1]]},
        completion_mode="answer",
    )


def pdf(name: str = "copie.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def upload(
    name: str, data: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
