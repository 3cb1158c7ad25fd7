"""Admin: Referrals → Rewards (the list, filtered and exportable, and the inspect view with "Mark shipped"
for a physical gift) and Referrals → Code bank (paste codes; a warning when fewer than 10 remain)."""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.views.generic import InspectView
from wagtail.admin.views.generic.models import IndexView

from campaigns.models import ProgramPage
from mailers.converters import parse_id
from referrals.admin_filters import DoorFilterSet, with_simulated
from referrals.rewards import services
from referrals.rewards.models import Reward, RewardKind, RewardStatus

VIEW_PERMISSION = "referrals.view_reward"
CHANGE_PERMISSION = "referrals.change_reward"


class RewardFilterSet(DoorFilterSet):
    step = django_filters.ChoiceFilter(
        choices=[("rewarded", "Thank-yous given (released or fulfilled)")],
        method="filter_noop",
        label="Dashboard step",
    )
    status = django_filters.ChoiceFilter(choices=RewardStatus.choices)
    kind = django_filters.ChoiceFilter(choices=RewardKind.choices)

    class Meta:
        model = Reward
        fields = ["program", "status", "kind"]


class RewardIndexView(IndexView):
    def get_base_queryset(self):
        rewards = super().get_base_queryset().select_related("program", "student")
        return rewards if with_simulated(self.request) else rewards.exclude(student__simulated=True)


class RewardInspectView(InspectView):
    template_name = "referrals/admin/reward_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reward = self.object
        context["can_ship"] = (
            reward.kind == RewardKind.GIFT
            and reward.status == RewardStatus.RELEASED
            and self.request.user.has_perm(CHANGE_PERMISSION)
        )
        context["ship_url"] = reverse("referrals_reward_ship", args=[reward.pk])
        return context


@require_POST
def mark_shipped(request, pk: int):
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    reward = get_object_or_404(Reward, pk=pk)
    try:
        services.reward_mark_shipped(reward_id=reward.pk, user=request.user, tracking_note=request.POST.get("note", ""))
    except services.RewardError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Marked shipped: the graduate's hub says so.")
    return redirect("referrals_reward:inspect", reward.pk)


@require_http_methods(["GET", "POST"])
def code_bank(request):
    if not request.user.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    programs = list(ProgramPage.objects.order_by("title"))
    text = ""
    if request.method == "POST":
        text = request.POST.get("codes", "")[: services.MAX_UPLOAD_CODES * (services.MAX_CODE_CHARS + 2)]
        program = next((p for p in programs if p.pk == parse_id(request.POST.get("program"))), None)
        if program is None:
            messages.error(request, "Choose the program the codes are for.")
        else:
            added, notes = services.codes_add(program=program, text=text)
            for note in notes:
                (messages.warning if added else messages.error)(request, note)
            if added:
                messages.success(request, f"{added} code{'s' if added != 1 else ''} added to {program.title}.")
                return redirect("referrals_reward_codes")
    banks = [(p, services.codes_left(program_id=p.pk)) for p in programs]
    context = {"page_title": "Code bank", "banks": banks, "low": services.LOW_CODES, "text": text}
    return TemplateResponse(request, "referrals/admin/reward_codes.html", context)
