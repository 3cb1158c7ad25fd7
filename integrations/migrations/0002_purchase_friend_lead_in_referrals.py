"""A purchase's friend lead is a referrals.FriendLead now (the model moved from campaigns).

State only: the foreign key's column and constraint already point at the table, renamed in
campaigns.0009. Runs before campaigns.0010 drops the old model from that app's state.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0001_inbound_events_and_purchases'),
        ('referrals', '0001_initial'),
    ]
    run_before = [
        ('campaigns', '0010_referral_models_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='purchase',
                    name='friend_lead',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='referrals.friendlead'),
                ),
            ],
        ),
    ]
