"""The students list's filters, including the dashboard's doors: ?program=&cohort=&reached=<journey kind>
(or "enrolled") &since=&until= lists exactly the people a dashboard count counted (simulated ones never)."""

from datetime import datetime, time, timedelta

import django_filters
from django.utils import timezone
from wagtail.admin.filters import WagtailFilterSet

from campaigns.models import Enrollment, JourneyEvent, ProgramPage, Student


def day_bounds(since, until):
    """[since 00:00, until+1 00:00) in the site's time zone: "until the 5th" includes all of the 5th."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(since, time.min, tzinfo=zone) if since else None,
        datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone) if until else None,
    )


class StudentFilterSet(WagtailFilterSet):
    program = django_filters.ModelChoiceFilter(queryset=ProgramPage.objects.all(), method="filter_noop")
    cohort = django_filters.CharFilter(method="filter_noop")
    reached = django_filters.CharFilter(method="filter_noop", label="Reached (journey step)")
    since = django_filters.DateFilter(method="filter_noop")
    until = django_filters.DateFilter(method="filter_noop")
    with_simulated = django_filters.BooleanFilter(method="filter_noop", label="Including simulated students")

    class Meta:
        model = Student
        fields = ["marketing_consent", "simulated"]

    def filter_noop(self, queryset, name, value):
        return queryset  # combined in filter_queryset: the five describe one set of enrollments

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        program, cohort, reached = data.get("program"), data.get("cohort"), data.get("reached")
        if not (program or cohort or reached):
            return queryset
        since, until = day_bounds(data.get("since"), data.get("until"))
        enrollments = Enrollment.objects.all()
        if program:
            enrollments = enrollments.filter(program_id=program.pk)
        if cohort:
            enrollments = enrollments.filter(cohort=cohort)
        if reached and reached != "enrolled":
            events = JourneyEvent.objects.filter(kind=reached, enrollment__in=enrollments)
            if since:
                events = events.filter(occurred_at__gte=since)
            if until:
                events = events.filter(occurred_at__lt=until)
            ids = events.values("student_id")
        else:
            if since:
                enrollments = enrollments.filter(enrolled_at__gte=since)
            if until:
                enrollments = enrollments.filter(enrolled_at__lt=until)
            ids = enrollments.values("student_id")
        # The dashboard counts simulated students only when asked to, so its doors show them only then.
        if data.get("with_simulated"):
            return queryset.filter(pk__in=ids)
        return queryset.filter(pk__in=ids, simulated=False)
