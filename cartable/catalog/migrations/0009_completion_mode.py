"""How an activity is completed becomes one column, ``completion_mode`` ("view", "manual",
"answer"), decided by its kind: a quiz, an assignment, a survey, a choice, a lesson or a
package needs an answer the box records and is never done by a mere view. Progress then keeps
its completions: a view that completes an activity records ``completed_at``, so views made
before this change that completed an activity are recorded as such."""

from django.db import migrations, models

from cartable.importers.jsonable import digest

# The kinds of catalog.kinds whose completion needs an answer (as of this migration).
ANSWER_KINDS = ("quiz", "assign", "feedback", "choice", "lesson", "scorm", "h5pactivity")


CONTENT = (
    "kind",
    "title",
    "intro",
    "content",
    "visible",
    "data",
    "availability",
    "completion",
    "completion_mode",
    "external_links",
    "blob_id",
    "filename",
    "mimetype",
    "estimated_minutes",
)


def mode_of(kind, completion):
    completion = completion if isinstance(completion, dict) else {}
    tracking = completion.get("tracking", "none")
    if tracking == "manual":
        return "manual"
    if kind in ANSWER_KINDS:
        return "answer"
    if tracking == "automatic" and (
        completion.get("grade") or completion.get("pass_grade") or completion.get("rules")
    ):
        return "answer"
    return "view"


def decide(apps, schema_editor):
    Activity = apps.get_model("catalog", "Activity")
    Progress = apps.get_model("learning", "ActivityProgress")
    rows = Activity.objects.values_list("pk", "kind", "completion")
    for mode in ("manual", "answer"):
        ids = [pk for pk, kind, completion in rows.iterator() if mode_of(kind, completion) == mode]
        for start in range(0, len(ids), 500):
            Activity.objects.filter(pk__in=ids[start : start + 500]).update(completion_mode=mode)
    # The fingerprint now covers the content alone (ingest.staging.content_digest).
    for row in Activity.objects.only(*CONTENT).iterator(chunk_size=500):
        fingerprint = digest({name: getattr(row, name) for name in CONTENT})
        Activity.objects.filter(pk=row.pk).update(fingerprint=fingerprint)
    Progress.objects.filter(
        activity__completion_mode="view", completed_at__isnull=True, views__gt=0
    ).update(completed_at=models.F("first_viewed_at"), completed_by="view")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_coursefile_section"),
        ("learning", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="completion_mode",
            field=models.CharField(
                choices=[("view", "view"), ("manual", "manual"), ("answer", "answer")],
                default="view",
                max_length=8,
            ),
        ),
        migrations.RunPython(decide, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="activity", name="tracks_completion"),
    ]
