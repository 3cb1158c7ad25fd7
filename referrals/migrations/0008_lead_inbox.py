"""A friend lead keeps the inbox its address reaches (``campaigns.inboxes.mailbox``), indexed with the
program: "the same inbox" was a case-insensitive regular expression run over every lead of the table."""

from django.db import migrations, models


def fill_inboxes(apps, schema_editor):
    from campaigns.inboxes import mailbox

    FriendLead = apps.get_model("referrals", "FriendLead")
    batch = []
    for lead in FriendLead.objects.only("pk", "email").iterator(chunk_size=2000):
        lead.inbox = mailbox(lead.email)
        batch.append(lead)
        if len(batch) >= 2000:
            FriendLead.objects.bulk_update(batch, ["inbox"])
            batch = []
    FriendLead.objects.bulk_update(batch, ["inbox"])


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0011_journey_funnel_index"),
        ("referrals", "0005_reward_tiers_access"),
    ]

    operations = [
        migrations.AddField(
            model_name="friendlead",
            name="inbox",
            field=models.CharField(blank=True, db_default="", default="", editable=False, max_length=254),
        ),
        migrations.RunPython(fill_inboxes, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="friendlead",
            index=models.Index(fields=["program", "inbox"], name="lead_program_inbox"),
        ),
    ]
