"""The referral models move to the referrals app, step 3 of 3: they leave this app's state.

State only: the tables are the referrals app's since 0009 and referrals.0001 (which runs before this
one, as does the migration moving integrations' foreign key to referrals.FriendLead). Nothing in the
database changes.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0009_referral_tables_renamed'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='FriendLead'),
                migrations.DeleteModel(name='ReferralClick'),
                migrations.DeleteModel(name='ReferralLink'),
                migrations.DeleteModel(name='ReferralPlan'),
            ],
        ),
    ]
