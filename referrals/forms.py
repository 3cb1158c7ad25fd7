"""The public forms of the referral half: the friend's registration on the landing page, and the
program page's registration and waitlist. A name, never a message; marketing email a separate,
optional choice; a honeypot field bots give themselves away by."""

from django import forms

from campaigns.names import validate_person_name


class FriendForm(forms.Form):
    # The name may reach the graduate's inbox ("Jo joined through your link", with share_name): a name,
    # never a message.
    first_name = forms.CharField(label="First name", max_length=100, validators=[validate_person_name])
    last_name = forms.CharField(
        label="Last name (optional)", max_length=100, required=False, validators=[validate_person_name]
    )
    email = forms.EmailField(label="Email", max_length=254)
    # Registering and agreeing to marketing email are two choices: this one is optional.
    marketing = forms.BooleanField(
        label="Also email me about the program: short prompts at milestones and asking how it is going "
        "(optional; you can stop them at any time).",
        required=False,
    )
    # Whether the graduate's emails name them ("Jo joined through your link") or say "a friend": their choice.
    share_name = forms.BooleanField(
        label="Let the person who invited me know it was me: they see my first name, never my address (optional).",
        required=False,
    )
    # A field people never see: bots that fill every input give themselves away.
    website = forms.CharField(required=False, widget=forms.TextInput({"tabindex": "-1", "autocomplete": "off"}))


MARKETING_LABEL = (
    "Also email me about the program: short prompts at milestones and asking how it is going "
    "(optional; you can stop them at any time)."
)


class _Honeypot(forms.Form):
    # A field people never see: bots that fill every input give themselves away.
    website = forms.CharField(required=False, widget=forms.TextInput({"tabindex": "-1", "autocomplete": "off"}))


class ProgramRegisterForm(_Honeypot):
    first_name = forms.CharField(label="First name", max_length=100, validators=[validate_person_name])
    last_name = forms.CharField(
        label="Last name (optional)", max_length=100, required=False, validators=[validate_person_name]
    )
    email = forms.EmailField(label="Email", max_length=254)
    # Registering and agreeing to marketing email are two choices: this one is optional.
    marketing = forms.BooleanField(label=MARKETING_LABEL, required=False)
    field_order = ["first_name", "last_name", "email", "marketing", "website"]


class WaitlistForm(_Honeypot):
    email = forms.EmailField(label="Email", max_length=254)
    marketing = forms.BooleanField(label=MARKETING_LABEL, required=False)
    field_order = ["email", "marketing", "website"]
