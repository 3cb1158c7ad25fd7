"""A friend lead keeps the inbox its address reaches (``campaigns.inboxes.mailbox``), indexed with the
program: "the same inbox" was a case-insensitive regular expression run over every lead of the table."""

from django.db import migrations, models


def fill_inboxes(apps, schema_editor):
    from campaigns.inboxes import fill_inboxes

    fill_inboxes(apps.get_model("referrals", "FriendLead"))


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
