"""The catalog: courses made of sections made of activities, files kept in the content store,
and who is enrolled in which course."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Institution


class Blob(models.Model):
    """A file's bytes in the content store, named by their SHA-256."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="blob_sha256_is_hex"
            )
        ]

    def __str__(self) -> str:
        return self.sha256


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> CourseQuerySet:
        return self.filter(status=Course.Status.PUBLISHED)


class Course(models.Model):
    class Status(models.TextChoices):
        PENDING_REVIEW = "pending_review", _("Pending review")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="courses"
    )
    shortname = models.CharField(_("short name"), max_length=100)
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    format = models.CharField(_("format"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.PENDING_REVIEW
    )
    source = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "shortname"], name="course_shortname_unique"
            )
        ]
        indexes = [models.Index(fields=["shortname"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Section(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=255, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    visible = models.BooleanField(default=True)
    source_key = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["course", "position"]
        indexes = [models.Index(fields=["course", "position"])]

    def __str__(self) -> str:
        return self.title or f"#{self.position}"


class Activity(models.Model):
    """One thing to study or do in a course. Kinds grow with the importers (quiz, book, …)."""

    class Kind(models.TextChoices):
        PAGE = "page", _("Page")
        FILE = "file", _("File")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="activities")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    title = models.CharField(_("title"), max_length=255)
    intro = models.TextField(_("description"), blank=True)
    content = models.TextField(_("content"), blank=True)
    blob = models.ForeignKey(
        Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="activities"
    )
    filename = models.CharField(max_length=255, blank=True)
    mimetype = models.CharField(max_length=127, blank=True)
    visible = models.BooleanField(default=True)
    # The importer's stable identity for the activity, so that a re-import updates it in place.
    source_key = models.CharField(max_length=100, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["section__position", "position"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["course", "section", "position"])]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "source_key"],
                condition=~models.Q(source_key=""),
                name="activity_source_key_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="file") | models.Q(blob__isnull=False),
                name="file_activity_has_blob",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    class Role(models.TextChoices):
        LEARNER = "learner", _("Learner")
        TEACHER = "teacher", _("Teacher")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    role = models.CharField(_("role"), max_length=16, choices=Role, default=Role.LEARNER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="enrolment_unique")]
        indexes = [models.Index(fields=["course", "role"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.course}"
