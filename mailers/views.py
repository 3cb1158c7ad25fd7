"""Recipients' pages: one-click unsubscribe (RFC 8058) and email preferences, reached by signed links."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mailers import services, test_links, tokens
from mailers.models import Contact

CHOICES = [
    ("all", "All emails: program emails and referral asks"),
    ("program", "Program emails only (no referral asks)"),
    ("referral", "Referral asks only"),
    ("none", "Nothing but essential notices (unsubscribe from all marketing)"),
]
PREFERENCE_FLAGS = {"all": (True, True), "program": (True, False), "referral": (False, True), "none": (False, False)}


class PreferencesForm(forms.Form):
    receive = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, label="What would you like to receive?")


def _invalid_link(request) -> HttpResponse:
    return render(request, "mailers/link_invalid.html", status=400)


def _current_choice(email: str) -> str:
    from django.db.models.functions import Lower

    contact = Contact.objects.annotate(e=Lower("email")).filter(e=email).first()
    if contact is None:
        return "all"
    flags = (contact.wants_program_emails, contact.wants_referral_asks)
    return next(key for key, value in PREFERENCE_FLAGS.items() if value == flags)


# Mailbox providers POST here without cookies or a CSRF token (RFC 8058); the signed
# token in the URL is what authorises the change. Link scanners only GET, which changes nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    email = tokens.read(token)
    if email is None:
        return _invalid_link(request)
    if request.method == "POST":
        services.contact_unsubscribe(email=email)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse("Unsubscribed.", content_type="text/plain")
        return render(request, "mailers/unsubscribed.html", {"email": email, "token": token})
    return render(request, "mailers/unsubscribe_confirm.html", {"email": email, "token": token})


@require_http_methods(["GET", "POST"])
def preferences(request, token: str):
    email = tokens.read(token)
    if email is None:
        return _invalid_link(request)
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            program_emails, referral_asks = PREFERENCE_FLAGS[form.cleaned_data["receive"]]
            services.contact_set_preferences(email=email, program_emails=program_emails, referral_asks=referral_asks)
            saved = True
    else:
        form = PreferencesForm(initial={"receive": _current_choice(email)})
    return render(request, "mailers/preferences.html", {"email": email, "form": form, "saved": saved, "token": token})


@require_http_methods(["GET", "HEAD"])
def test_link(request, name: str):
    """A link in a test email: it says so, and what the link opens in a student's email."""
    opens = test_links.opens(name)
    if opens is None:
        return render(request, "mailers/test_link.html", {"opens": ""}, status=404)
    return render(request, "mailers/test_link.html", {"opens": opens})
