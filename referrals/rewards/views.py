"""The graduate's shipping address for a physical gift, under their hub's signed personal link."""

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render

from campaigns.student_pages import student_from_link
from referrals.rewards import services
from referrals.rewards.models import Reward, RewardKind, RewardStatus


class AddressForm(forms.ModelForm):
    class Meta:
        model = Reward
        fields = list(services.ADDRESS_FIELDS)
        labels = {
            "ship_name": "Name on the parcel",
            "ship_line1": "Street and number",
            "ship_line2": "More (flat, floor) — optional",
            "ship_postcode": "Postcode",
            "ship_city": "Town or city",
            "ship_country": "Country",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("ship_name", "ship_line1", "ship_city", "ship_country"):
            self.fields[name].required = True

    def clean(self):
        data = super().clean()
        return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}


def address(request, token: str, pk: int):
    student, problem = student_from_link(request, token)
    if problem:
        return problem
    reward = Reward.objects.filter(pk=pk, student=student, kind=RewardKind.GIFT).first()
    if reward is None:
        raise Http404
    if reward.status != RewardStatus.RELEASED:
        return render(request, "referrals/reward_address.html", {"reward": reward, "token": token, "closed": True})
    form = AddressForm(request.POST or None, instance=reward)
    if request.method == "POST" and form.is_valid():
        services.reward_set_address(reward_id=reward.pk, student_id=student.pk, data=form.cleaned_data)
        return redirect("hub", token)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "referrals/reward_address.html", {"reward": reward, "token": token, "form": form}, status=status
    )
