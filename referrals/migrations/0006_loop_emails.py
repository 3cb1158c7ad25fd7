# The friend's choice to be named in the graduate's loop emails (referrals/loops.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0004_rewards'),
    ]

    operations = [
        migrations.AddField(
            model_name='friendlead',
            name='name_consent_at',
            field=models.DateTimeField(blank=True, help_text='When they ticked the box to let the graduate who invited them see their first name; empty: the graduate reads "a friend".', null=True),
        ),
    ]
