"""Admin: "Team emails" in each staff user's account settings (Notifications tab), where they turn the
daily digest and the weekly summary off or on for themselves. Loaded by the account page only."""

from django import forms
from wagtail.admin.views.account import BaseSettingsPanel, notifications_tab

from cms.models import StaffEmailPreferences
from cms.staff_emails import services


class StaffEmailPreferencesForm(forms.ModelForm):
    class Meta:
        model = StaffEmailPreferences
        fields = ["daily_digest", "weekly_summary"]

    def save(self, commit: bool = True) -> StaffEmailPreferences:
        # Through the service: a first save from two tabs at once makes one row, not an error.
        return services.preferences_set(
            user=self.instance.user,
            daily_digest=self.cleaned_data["daily_digest"],
            weekly_summary=self.cleaned_data["weekly_summary"],
        )


class StaffEmailsPanel(BaseSettingsPanel):
    name = "staff_emails"
    title = "Team emails"
    tab = notifications_tab
    order = 150
    form_class = StaffEmailPreferencesForm

    def get_form(self):
        # The row exists once the user saves; until then both emails are on (the model's defaults).
        instance = StaffEmailPreferences.objects.filter(user=self.user).first() or StaffEmailPreferences(user=self.user)
        kwargs = {"instance": instance, "prefix": self.name}
        if self.request.method == "POST":
            return self.form_class(self.request.POST, **kwargs)
        return self.form_class(**kwargs)
