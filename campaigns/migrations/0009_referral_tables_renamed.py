"""The referral models move to the referrals app, step 1 of 3: their tables take that app's names.

Only the tables are renamed: rows, keys, constraints and indexes stay as they are (PostgreSQL and
SQLite both carry foreign keys, in these tables and in others', over a rename). Step 2 is
referrals.0001, which takes the models over in its state (and their content types, so permissions
granted on them stay granted); step 3, 0010 here, drops them from this app's state once nothing
points at them any more.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0008_studentimport'),
    ]

    operations = [
        migrations.AlterModelTable(name='referralplan', table='referrals_referralplan'),
        migrations.AlterModelTable(name='referrallink', table='referrals_referrallink'),
        migrations.AlterModelTable(name='referralclick', table='referrals_referralclick'),
        migrations.AlterModelTable(name='friendlead', table='referrals_friendlead'),
    ]
