"""A student keeps the inbox their address reaches (``campaigns.inboxes.mailbox``), indexed: "already a
student" and "who is this friend" were a case-insensitive regular expression over every student."""

from django.db import migrations, models


def fill_inboxes(apps, schema_editor):
    from campaigns.inboxes import fill_inboxes

    fill_inboxes(apps.get_model("campaigns", "Student"))


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0011_journey_funnel_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="student",
            name="inbox",
            field=models.CharField(
                blank=True, db_default="", db_index=True, default="", editable=False, max_length=254
            ),
        ),
        migrations.RunPython(fill_inboxes, migrations.RunPython.noop),
    ]
