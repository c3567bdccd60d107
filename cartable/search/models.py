"""The search index: one row per thing a learner may find (a course, a section, an activity, a
book chapter, a glossary entry, a lesson page, a forum discussion, a file), rebuilt per course
by ``index.reindex_course``.

The rows hold content only; who may see a row is decided when searching, by the catalog's
access rules on ``course``, ``section`` and ``activity`` (so publishing, enrolling or hiding
never leaves the index stale).

The full-text index itself lives beside this table, made by migration 0001 for each database:
on SQLite an FTS5 table ``search_entry_fts`` kept in step by triggers; on PostgreSQL a
generated ``vector`` tsvector column with a GIN index. Neither is known to Django's model.
A later migration that rebuilds this table on SQLite (most field changes do) drops the
triggers: it must create them again (``migrations/0001_initial.py`` has the SQL).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.catalog.models import Activity, Blob, Course, Section


class Entry(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", _("Course")
        SECTION = "section", _("Course section")
        ACTIVITY = "activity", _("Activity")
        CHAPTER = "chapter", _("Book chapter")
        GLOSSARY_ENTRY = "glossary_entry", _("Glossary entry")
        LESSON_PAGE = "lesson_page", _("Lesson page")
        DISCUSSION = "discussion", _("Forum discussion")
        FILE = "file", _("File")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    # Set on a section's own row only: an activity's row is checked through its activity.
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind)
    anchor = models.CharField(max_length=64, blank=True)  # "?chapter=12", "#section-3"
    title = models.CharField(max_length=255)
    text = models.TextField(blank=True)  # plain text, for snippets
    # What the full-text index holds: normalised words (see query.normalise).
    title_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)
    # Content of an activity with an access restriction, its own or its section's (a date,
    # another activity to finish): found by staff only, as learners may not have unlocked it
    # yet. Its title row is not, unless the rule may hide it entirely (so is a section's row).
    restricted = models.BooleanField(default=False)

    class Meta:
        db_table = "search_entry"

    def __str__(self) -> str:
        return self.title


class FileText(models.Model):
    """The text once extracted from a file (a PDF), so that indexing a course again does not
    read its files again: the bytes of a blob never change. Empty when there was none."""

    blob = models.OneToOneField(Blob, on_delete=models.CASCADE, primary_key=True, related_name="+")
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "search_filetext"

    def __str__(self) -> str:
        return self.blob_id
