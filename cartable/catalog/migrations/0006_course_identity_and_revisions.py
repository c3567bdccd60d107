"""A course is known by its institution and its source's id (no longer by its short name);
each course may belong to an establishment; changes waiting for review move from ``staged``
columns to whole revisions (``ingest.Revision``).

Changes that an earlier version kept waiting in ``staged`` are dropped here: learners never saw
them, and importing the file again stages them as an update for review.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def tell_apart_duplicates(apps, schema_editor):
    """Two courses of one institution made from the same source course (renamed at the
    source, earlier versions matched by short name): the last imported keeps the source's
    id; the others are marked, so that no later import updates them."""
    Course = apps.get_model("catalog", "Course")
    seen = set()
    for course in Course.objects.exclude(source_id="").order_by("-imported_at", "-pk"):
        key = (course.institution_id, course.source, course.source_id)
        if key in seen:
            course.source_id = f"{course.source_id}#{course.pk}"[:64]
            course.save(update_fields=["source_id"])
        seen.add(key)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('catalog', '0005_activity_waiting_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='course',
            name='course_shortname_unique',
        ),
        migrations.RemoveIndex(
            model_name='activity',
            name='activity_waiting_idx',
        ),
        migrations.RemoveField(
            model_name='activity',
            name='staged',
        ),
        migrations.RemoveField(
            model_name='course',
            name='staged',
        ),
        migrations.AddField(
            model_name='course',
            name='establishment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='courses', to='accounts.establishment', verbose_name='establishment'),
        ),
        migrations.AddIndex(
            model_name='activity',
            index=models.Index(condition=models.Q(('retired_at__isnull', True), ('review_status', 'pending')), fields=['course'], name='activity_waiting_idx'),
        ),
        migrations.RunPython(tell_apart_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='course',
            constraint=models.UniqueConstraint(condition=models.Q(('source_id', ''), _negated=True), fields=('institution', 'source', 'source_id'), name='course_source_unique'),
        ),
    ]
