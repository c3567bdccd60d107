from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_seal_existing_entries")]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(unique=True, verbose_name="number"),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-seq"], "verbose_name": "audit event", "verbose_name_plural": "audit events"},
        ),
    ]
