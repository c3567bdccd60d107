"""The catalog: courses made of sections made of activities, files kept in the content store,
and who is enrolled in which course."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Establishment, Institution


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
        REJECTED = "rejected", _("Rejected")
        RETIRED = "retired", _("Retired")

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="courses"
    )
    # The establishment whose staff manage the course (import its updates, review them); None:
    # the box's own, managed by administrators and by the command line.
    establishment = models.ForeignKey(
        Establishment,
        verbose_name=_("establishment"),
        on_delete=models.PROTECT,
        related_name="courses",
        null=True,
        blank=True,
    )
    shortname = models.CharField(_("short name"), max_length=100)
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    format = models.CharField(_("format"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.PENDING_REVIEW
    )
    source = models.CharField(max_length=32, blank=True)  # "moodle", "demo", …
    source_id = models.CharField(max_length=64, blank=True)
    source_url = models.CharField(max_length=255, blank=True)  # the Moodle site it came from
    source_release = models.CharField(max_length=64, blank=True)
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # What the review report shows for the course's own texts (summary, sections).
    risks = models.JSONField(default=list, blank=True)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            # A course is known by who provides it and the source's own id for it (never by
            # the short name a file claims: two files may claim the same one).
            models.UniqueConstraint(
                fields=["institution", "source", "source_id"],
                condition=~models.Q(source_id=""),
                name="course_source_unique",
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
    availability = models.JSONField(null=True, blank=True)
    source_key = models.CharField(max_length=100, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course", "position"]
        indexes = [models.Index(fields=["course", "position"])]

    def __str__(self) -> str:
        return self.title or f"#{self.position}"


# The source key of an activity made on the box (a quiz a teacher built), never the importer's:
# an import neither matches nor retires it.
MADE_ON_BOX = "box-"


class Activity(models.Model):
    """One thing to study or do in a course. Kinds are Moodle's module names, so that every
    importer and renderer speaks the same words."""

    class Review(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Kind(models.TextChoices):
        PAGE = "page", _("Page")
        RESOURCE = "resource", _("File")
        FOLDER = "folder", _("Folder")
        LABEL = "label", _("Text")
        URL = "url", _("Web link")
        BOOK = "book", _("Book")
        GLOSSARY = "glossary", _("Glossary")
        LESSON = "lesson", _("Lesson")
        FORUM = "forum", _("Forum")
        CHOICE = "choice", _("Choice")
        FEEDBACK = "feedback", _("Survey")
        QUIZ = "quiz", _("Quiz")
        ASSIGN = "assign", _("Assignment")
        SCORM = "scorm", _("SCORM package")
        H5P = "h5pactivity", _("H5P activity")
        QBANK = "qbank", _("Question bank")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="activities")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="activities")
    position = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    title = models.CharField(_("title"), max_length=255)
    intro = models.TextField(_("description"), blank=True)
    content = models.TextField(_("content"), blank=True)  # a page's HTML
    # The main file (a resource's), when there is one.
    blob = models.ForeignKey(
        Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="activities"
    )
    filename = models.CharField(max_length=255, blank=True)
    mimetype = models.CharField(max_length=127, blank=True)
    visible = models.BooleanField(default=True)
    # What the kind needs beyond the common fields (a book's chapters, a quiz's settings, …),
    # as the importer's typed model serialised to JSON.
    data = models.JSONField(default=dict, blank=True)
    availability = models.JSONField(null=True, blank=True)
    completion = models.JSONField(default=dict, blank=True)
    # How it is completed on the box (``catalog.kinds``, from its kind and ``completion``):
    # "view" (opening it is enough), "manual" (the learner ticks it) or "answer" (it needs
    # something the box records: an attempt, a submission; never done by a mere view).
    completion_mode = models.CharField(
        max_length=8,
        choices=[("view", "view"), ("manual", "manual"), ("answer", "answer")],
        default="view",
    )
    external_links = models.JSONField(default=list, blank=True)
    # Moodle's "ID number" of the activity (its course module's) and of its grade item: what
    # the university's gradebook names it by (the XML grade import's ``<assignment>``).
    idnumber = models.CharField(max_length=100, blank=True)
    grade_idnumber = models.CharField(max_length=100, blank=True)
    # Whether its grade item hides its grades from learners (Moodle's ``grade_items.hidden``,
    # read by ``grades.hiding``): 0 no, 1 yes, a Unix time: until then. Teachers see them.
    grade_hidden = models.BigIntegerField(default=0)
    # About how long a learner needs for it (reading speed, number of questions…).
    estimated_minutes = models.PositiveIntegerField(default=0)
    # The importer's stable identity for the activity, so that a re-import updates it in place,
    # and a digest of what was imported, to tell an unchanged activity from a changed one.
    source_key = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    retired_at = models.DateTimeField(null=True, blank=True)  # removed by a later import
    # Review: learners see an activity only once staff approved it. A later import of a course
    # learners see waits whole in an ``ingest.Revision`` while learners keep this version.
    review_status = models.CharField(max_length=10, choices=Review, default=Review.PENDING)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    risks = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["section__position", "position"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["course", "section", "position"]),
            # The few activities waiting for a decision, found without reading the others
            # (the review queue and the count in the staff's navigation).
            models.Index(
                fields=["course"],
                name="activity_waiting_idx",
                condition=models.Q(retired_at__isnull=True) & models.Q(review_status="pending"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "source_key"],
                condition=~models.Q(source_key=""),
                name="activity_source_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def is_approved(self) -> bool:
        return self.review_status == self.Review.APPROVED


class CourseFile(models.Model):
    """A file a course holds (an image in a page, a resource, a folder's content), as the
    source recorded it. Links in course HTML name files by content hash; a learner may fetch
    a blob only through a course that holds it."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="files")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="course_files")
    # The activity the file belongs to (its content, intro, folder); None for the course's own
    # texts, its sections and its question bank. A learner reaches an activity's file only
    # while the activity is one they may open: approved, visible, current, open.
    activity = models.ForeignKey(
        "Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    # The section whose summary shows the file, for a file of no activity: a learner reaches
    # it only while that section is one they may see (shown, and open by its access rule).
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    filename = models.CharField(max_length=255)
    filepath = models.CharField(max_length=1024, default="/")
    mimetype = models.CharField(max_length=127, blank=True)
    component = models.CharField(max_length=64, blank=True)
    filearea = models.CharField(max_length=64, blank=True)
    itemid = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["course", "blob"])]

    def __str__(self) -> str:
        return self.filepath + self.filename


class QuestionCategory(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="question_categories")
    source_id = models.BigIntegerField()
    parent_source_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=255)
    info = models.TextField(blank=True)
    position = models.IntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["course", "source_id"], name="category_source_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A question of a course's bank; its type-specific data is the importer's model as JSON."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    category = models.ForeignKey(
        QuestionCategory, on_delete=models.CASCADE, related_name="questions"
    )
    source_id = models.BigIntegerField()
    qtype = models.CharField(max_length=32)
    name = models.CharField(max_length=255)
    text = models.TextField(blank=True)
    general_feedback = models.TextField(blank=True)
    default_mark = models.FloatField(default=1)
    penalty = models.FloatField(default=0)
    data = models.JSONField(default=dict, blank=True)
    hints = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, default="ready")
    bank_entry_id = models.BigIntegerField(null=True, blank=True)
    version = models.IntegerField(null=True, blank=True)
    idnumber = models.CharField(max_length=100, blank=True)
    external_links = models.JSONField(default=list, blank=True)
    risks = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course", "category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["course", "source_id"], name="question_source_unique")
        ]
        indexes = [models.Index(fields=["course", "qtype"])]

    def __str__(self) -> str:
        return self.name


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
    # Where the learner was last in this course ("continue where I left off").
    last_activity = models.ForeignKey(
        "Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="enrolment_unique")]
        indexes = [models.Index(fields=["course", "role"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.course}"
