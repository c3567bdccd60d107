"""Showing imported course HTML: internal links resolved to the box's addresses (lazily: the
course's activity map is read only if a page links to an activity), external ones as text."""

from __future__ import annotations

from urllib.parse import unquote

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from cartable.catalog.models import Activity, Course
from cartable.lib.blobstore import BlobError, check_digest
from cartable.lib.html import for_display


class CourseLinks:
    def __init__(self, course: Course) -> None:
        self.course = course
        self._activities: dict[str, int] | None = None
        self.course_url = reverse("learning:course", args=[course.pk])

    def file_url(self, sha256: str, quoted_name: str) -> str | None:
        try:
            check_digest(sha256)
        except BlobError:
            return None
        name = unquote(quoted_name) or "file"
        return reverse("learning:course_file", args=[self.course.pk, sha256, name])

    def activity_url(self, source_key: str) -> str | None:
        if self._activities is None:
            self._activities = dict(
                Activity.objects.filter(
                    course=self.course, retired_at__isnull=True, visible=True
                ).values_list("source_key", "id")
            )
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
            )
        )
