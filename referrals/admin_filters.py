"""The dashboard's doors into the referral lists: ``?program=&step=&cohort=&since=&until=`` lists exactly
the records a dashboard count counted (referrals/doors.py builds both)."""

import django_filters
from wagtail.admin.filters import WagtailFilterSet

from campaigns.admin_filters import day_bounds
from campaigns.models import ProgramPage
from campaigns.selectors import counting_simulated
from referrals import doors


def with_simulated(request) -> bool:
    """A dashboard door opened with "Include simulated students" ticked (``?with_simulated=true``): the
    list shows the simulated students' records too, which it otherwise never does."""
    return request.GET.get("with_simulated", "").lower() in {"true", "1", "on", "yes"}


class DoorFilterSet(WagtailFilterSet):
    """A list's filter set with the doors' filters; each declares ``step``, the doors.STEPS it can show."""

    cohort = django_filters.CharFilter(method="filter_noop", label="Graduate's cohort")
    since = django_filters.DateFilter(method="filter_noop", label="From")
    until = django_filters.DateFilter(method="filter_noop", label="Until")
    with_simulated = django_filters.BooleanFilter(method="filter_noop", label="Including simulated students")

    def filter_noop(self, queryset, name, value):
        return queryset  # combined in filter_queryset with the program: one dashboard count

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        step = data.get("step")
        if not step:
            return queryset
        program = data.get("program")
        if program is None:
            self.form.add_error("program", "A dashboard step needs its program: choose one.")
            return queryset.none()
        since, until = day_bounds(data.get("since"), data.get("until"))
        with counting_simulated(bool(data.get("with_simulated"))):
            records = doors.STEPS[step](
                program_id=program.pk, cohort=data.get("cohort") or None, since=since, until=until
            )
            return queryset.filter(pk__in=records.values("pk"))


class ReferralClickFilterSet(DoorFilterSet):
    step = django_filters.ChoiceFilter(
        choices=[("link_clicks", "Link clicks (people: each one's first click)")],
        method="filter_noop",
        label="Dashboard step",
    )
    program = django_filters.ModelChoiceFilter(
        queryset=ProgramPage.objects.all(), field_name="link__program", label="Program"
    )

    class Meta:
        model = doors.ReferralClick
        fields = ["program"]


class FriendLeadFilterSet(DoorFilterSet):
    step = django_filters.ChoiceFilter(
        choices=[("friends_registered", "Registered through a link"), ("friends_confirmed", "Confirmed")],
        method="filter_noop",
        label="Dashboard step",
    )

    class Meta:
        model = doors.FriendLead
        fields = ["status", "program", "registered_at"]
