"""A student keeps the inbox their address reaches (``campaigns.inboxes.mailbox``), indexed: "already a
student" and "who is this friend" were a case-insensitive regular expression over every student."""

from django.db import migrations, models


def fill_inboxes(apps, schema_editor):
    from campaigns.inboxes import mailbox

    Student = apps.get_model("campaigns", "Student")
    batch = []
    for student in Student.objects.only("pk", "email").iterator(chunk_size=2000):
        student.inbox = mailbox(student.email)
        batch.append(student)
        if len(batch) >= 2000:
            Student.objects.bulk_update(batch, ["inbox"])
            batch = []
    Student.objects.bulk_update(batch, ["inbox"])


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
