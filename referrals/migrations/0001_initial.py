"""The referral models move here from campaigns, step 2 of 3: this app takes them over.

State only for the models: their tables were renamed to this app's names in campaigns.0009, with
every row. Their content types move too (app label campaigns -> referrals, same ids), so the
permissions on them, and the groups holding those permissions, stay as they were. campaigns.0010
then drops the models from that app's state.
"""

import campaigns.names
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import modelcluster.fields
from django.db import migrations, models

MODELS = ('referralplan', 'referrallink', 'referralclick', 'friendlead')


def _move_content_types(apps, from_label, to_label):
    """The content types of MODELS from one app label to the other, keeping their ids (and so every
    permission, group permission and log entry that refers to them). Should the target already have
    one (created by a migrate that ran part of the way), the permissions move to it first."""
    ContentType = apps.get_model('contenttypes', 'ContentType')
    Permission = apps.get_model('auth', 'Permission')
    for model in MODELS:
        old = ContentType.objects.filter(app_label=from_label, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=to_label, model=model).first()
        if new is None:
            old.app_label = to_label
            old.save(update_fields=['app_label'])
            continue
        taken = set(Permission.objects.filter(content_type=new).values_list('codename', flat=True))
        for permission in Permission.objects.filter(content_type=old):
            if permission.codename in taken:
                duplicate = Permission.objects.get(content_type=new, codename=permission.codename)
                for group in permission.group_set.all():
                    group.permissions.add(duplicate)
                for user in permission.user_set.all():
                    user.user_permissions.add(duplicate)
                permission.delete()
            else:
                permission.content_type = new
                permission.save(update_fields=['content_type'])
        old.delete()
    from django.contrib.contenttypes.models import ContentType as LiveContentType

    LiveContentType.objects.clear_cache()  # this process may have cached the old labels


def content_types_to_referrals(apps, schema_editor):
    _move_content_types(apps, 'campaigns', 'referrals')


def content_types_to_campaigns(apps, schema_editor):
    _move_content_types(apps, 'referrals', 'campaigns')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('campaigns', '0009_referral_tables_renamed'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]
    run_before = [
        ('campaigns', '0010_referral_models_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReferralLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=16, unique=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('first_shared_at', models.DateTimeField(blank=True, help_text='First copy or share from the hub.', null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.programpage')),
                        ('student', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='referral_links', to='campaigns.student')),
                    ],
                ),
                migrations.CreateModel(
                    name='ReferralClick',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('visitor', models.CharField(help_text="A random id kept in the visitor's browser cookie.", max_length=32)),
                        ('client', models.CharField(blank=True, default='', help_text="A keyed hash of the visitor's network (never the address itself): one script that drops its cookie on every request is still one client. Empty for clicks recorded before it was kept.", max_length=16)),
                        ('day', models.DateField()),
                        ('clicked_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('link', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='clicks', to='referrals.referrallink')),
                    ],
                ),
                migrations.CreateModel(
                    name='FriendLead',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254)),
                        ('first_name', models.CharField(max_length=100, validators=[campaigns.names.validate_person_name])),
                        ('last_name', models.CharField(blank=True, max_length=100, validators=[campaigns.names.validate_person_name])),
                        ('consent_at', models.DateTimeField(blank=True, help_text='When they ticked the box for marketing email; empty: only emails about their registration.', null=True)),
                        ('registered_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('offer_until', models.DateTimeField(blank=True, help_text='Their special access ran until then.', null=True)),
                        ('confirmation_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('confirmed_at', models.DateTimeField(blank=True, help_text='When they confirmed their address.', null=True)),
                        ('status', models.CharField(choices=[('pending', 'Waiting for them to confirm their address'), ('registered', 'Confirmed (already in the program: nothing to enroll)'), ('checkout', 'Sent to checkout'), ('enrolled', 'Enrolled'), ('waitlist', 'Waiting for registration to open')], default='pending', max_length=12)),
                        ('attribution_note', models.CharField(blank=True, max_length=255)),
                        ('opening_notice_at', models.DateTimeField(blank=True, help_text='When a waitlisted person was told that registration is open.', null=True)),
                        ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='campaigns.programpage')),
                        ('student', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='campaigns.student')),
                        ('link', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='leads', to='referrals.referrallink')),
                        ('via_link', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='referrals.referrallink')),
                    ],
                    options={
                        'ordering': ['-registered_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ReferralPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sort_order', models.IntegerField(blank=True, editable=False, null=True)),
                        ('ask_subject', models.CharField(default='{{ first_name }}, {{ ask_count }} people, {{ ask_deadline }}?', max_length=150)),
                        ('ask_body', models.TextField(default='{{ first_name }}, a few weeks ago you wrote:\n\n"{{ testimonial_quote }}"\n\nWe are out to {{ mission_statement }}. {{ mission_progress }}\n\nWould you help one more person get there? Think of {{ ask_count }} people in your life who are facing what you faced before you started, and in the next few days — {{ ask_deadline }} — send them your special link with a personal note about what changed for you:\n\n{{ special_link }}\n\nThrough your link they get something they cannot get on their own: {{ friend_offer }}.\n\n{{ thank_you }}\n\nThank you for being part of this.', help_text='Merge fields: {{ first_name }}, {{ testimonial_quote }}, {{ mission_statement }}, {{ mission_progress }}, {{ mission_goal }}, {{ ask_count }}, {{ ask_deadline }}, {{ special_link }}, {{ friend_offer }}, {{ thank_you }}.')),
                        ('ask_count_min', models.PositiveSmallIntegerField(default=1, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10)])),
                        ('ask_count_max', models.PositiveSmallIntegerField(default=3, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(10)])),
                        ('ask_window_days', models.PositiveSmallIntegerField(default=7, help_text='The window the ask names.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)])),
                        ('delay_after_testimonial_days', models.PositiveSmallIntegerField(default=2, help_text='Days after their testimonial before the ask.', validators=[django.core.validators.MaxValueValidator(90)])),
                        ('reminder_after_days', models.PositiveSmallIntegerField(blank=True, help_text='One reminder this many days later, only if the link was not shared from the hub or opened by two different people. Empty: none.', null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(30)])),
                        ('friend_offer', models.CharField(choices=[('registration', 'Registration while it is closed to everyone else'), ('trial', 'A free trial'), ('bonus', 'A bonus (session, material)'), ('discount', 'A discount code')], default='registration', max_length=20)),
                        ('friend_offer_text', models.CharField(default='a place in the next cohort now, while registration is closed to everyone else', help_text='The offer in plain words, as the friend reads it.', max_length=255)),
                        ('discount_code', models.CharField(blank=True, help_text='For a discount offer.', max_length=40)),
                        ('access_days', models.PositiveSmallIntegerField(default=14, help_text="How long after the link's first click a friend may use the special access.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(365)])),
                        ('enrollment_mode', models.CharField(choices=[('direct', 'Enroll the friend here (free program or trial)'), ('checkout', 'Hand off to my checkout page (ref=<code> carried along)')], default='direct', max_length=10)),
                        ('checkout_url', models.URLField(blank=True, help_text='Your checkout page, when friends pay there.')),
                        ('thank_you', models.CharField(choices=[('none', 'No thank-you'), ('early_access', 'Early access to something new'), ('bonus_session', 'A bonus session'), ('other_program', 'Access to another program'), ('gift', 'A physical gift')], default='bonus_session', max_length=20)),
                        ('thank_you_text', models.CharField(blank=True, default='When a friend joins, you get a free one-to-one session with our team, as our thank-you.', help_text='What the graduate gets when a friend joins. Never money.', max_length=255)),
                        ('publish_with_unmet_criteria', models.BooleanField(default=False, help_text='Publish even though the SMART-I check finds criteria unmet (recorded in the revision).')),
                        ('program', modelcluster.fields.ParentalKey(on_delete=django.db.models.deletion.CASCADE, related_name='referral_plans', to='campaigns.programpage')),
                    ],
                    options={
                        'verbose_name': 'referral ask',
                        'ordering': ['sort_order'],
                        'abstract': False,
                    },
                ),
                migrations.AddConstraint(
                    model_name='referrallink',
                    constraint=models.UniqueConstraint(models.F('student'), models.F('program'), name='referral_link_one_per_program'),
                ),
                migrations.AddConstraint(
                    model_name='referralclick',
                    constraint=models.UniqueConstraint(models.F('link'), models.F('day'), models.F('visitor'), name='click_once_per_browser_day'),
                ),
                migrations.AddConstraint(
                    model_name='friendlead',
                    constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), models.F('program'), name='lead_once_per_program'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_referrals, content_types_to_campaigns),
    ]
