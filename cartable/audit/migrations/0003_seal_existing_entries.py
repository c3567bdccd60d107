from django.conf import settings
from django.db import migrations

from cartable.audit import chain


def seal_existing(apps, schema_editor):
    """Number and seal the entries written before the log was chained, oldest first, and
    start the chain head after them. (Only development boxes have such entries.)"""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    ChainHead = apps.get_model("audit", "ChainHead")
    seq, seal, key_id = 0, "", ""
    if AuditEvent.objects.exists():
        key = chain.load_key(settings.HOME, create=True)
        key_id = key.id
        for event in AuditEvent.objects.order_by("id").iterator(chunk_size=1000):
            seq += 1
            event.seq, event.key_id = seq, key_id
            values = [getattr(event, name) for name in chain.FIELDS]
            event.seal = seal = chain.seal(key, values, seal)
            AuditEvent.objects.filter(pk=event.pk).update(seq=seq, key_id=key_id, seal=seal)
    ChainHead.objects.update_or_create(pk=1, defaults={"seq": seq, "seal": seal, "key_id": key_id})


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_fields")]

    operations = [migrations.RunPython(seal_existing, migrations.RunPython.noop)]
