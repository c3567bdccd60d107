"""Files imported before the box decided types from content keep the type their backup
declared: decide it now, from the bytes in the content store (a missing blob: unknown)."""

from django.conf import settings
from django.db import migrations

from cartable.lib import filetypes
from cartable.lib.blobstore import BlobError, BlobStore, check_digest


def _decided(store, sha256, filename):
    try:
        path = store.path(check_digest(sha256))
        return filetypes.of_file(path, filename).mimetype
    except (BlobError, OSError):
        return filetypes.OCTET


def decide(apps, schema_editor):
    store = BlobStore(settings.CONTENT_ROOT)
    for model in (apps.get_model("catalog", "CourseFile"), apps.get_model("catalog", "Activity")):
        rows = model.objects.filter(blob__isnull=False).values_list("pk", "blob_id", "filename")
        for pk, sha256, filename in rows.iterator(chunk_size=2000):
            mimetype = _decided(store, sha256, filename or "")
            model.objects.filter(pk=pk).exclude(mimetype=mimetype).update(mimetype=mimetype)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_course_identity_and_revisions")]

    operations = [migrations.RunPython(decide, migrations.RunPython.noop, elidable=True)]
