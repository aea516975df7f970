"""Forms of accounts: sign-up with the kind of account, organisation requests, invitations."""

from typing import Any

from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from territoria.accounts.adapter import mailbox
from territoria.accounts.models import Invitation
from territoria.accounts.services import address_taken
from territoria.core.models import Role, User
from territoria.ecosystem.models import Organisation
from territoria.ecosystem.validators import normalise_enterprise_number

# What the e-mail columns hold (allauth's EmailAddress and Django's User).
EMAIL_LENGTH = 254

SIGNUP_ROLES = [
    (Role.APPLICANT.value, _("A company or a public body: I want to apply to the calls")),
    (Role.EXPERT.value, _("An AI expert company: I want to be recognised as an expert")),
]


class SignupForm(AllauthSignupForm):  # type: ignore[misc]
    account_type = forms.ChoiceField(
        label=_("I represent"), choices=SIGNUP_ROLES, widget=forms.RadioSelect
    )
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    field_order = ["account_type", "first_name", "last_name", "email", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        limit_email(self.fields["email"])
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)

    def try_save(self, request: Any) -> Any:
        if self.account_already_exists:
            # The same hashing as a new account: the time taken tells nobody the address
            # has an account (allauth answers the same page and e-mails its owner).
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class ResetPasswordForm(AllauthResetPasswordForm):  # type: ignore[misc]
    def clean_email(self) -> str:
        # allauth finds the accounts by the mailbox (the adapter's clean_email) but counts
        # and sends the e-mails to the address as typed: a new spelling, a new count.
        super().clean_email()
        return mailbox(self.cleaned_data["email"].lower())


def limit_email(field: forms.Field) -> None:
    """An address longer than the column is refused, never cut (into another domain)."""
    field.max_length = EMAIL_LENGTH  # type: ignore[attr-defined]
    field.validators.append(MaxLengthValidator(EMAIL_LENGTH))
    field.widget.attrs["maxlength"] = str(EMAIL_LENGTH)


def enterprise_number_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Enterprise number"),
        max_length=20,
        required=required,
        help_text=_("The KBO/BCE number, e.g. 0123.456.749."),
    )


class AffiliationRequestForm(forms.Form):
    """The enterprise number, and the organisation's name and address if the registry does
    not know it yet."""

    enterprise_number = enterprise_number_field()
    role = forms.CharField(
        label=_("Your role in the organisation"),
        max_length=120,
        required=False,
        help_text=_("e.g. manager, IT lead"),
    )
    organisation_name = forms.CharField(
        label=_("Organisation name"), max_length=255, required=False
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    city = forms.CharField(label=_("Locality"), max_length=120, required=False)

    organisation: Organisation | None = None

    def clean_enterprise_number(self) -> str:
        number = normalise_enterprise_number(str(self.cleaned_data["enterprise_number"]))
        self.organisation = Organisation.objects.filter(enterprise_number=number).first()
        return number

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "enterprise_number" in data and self.organisation is None:
            message = _("This enterprise number is not in the registry yet: give it.")
            for name in ("organisation_name", "postcode", "city"):
                if not data.get(name, "").strip():
                    self.add_error(name, message)
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=EMAIL_LENGTH)
    role = forms.ChoiceField(
        label=_("Role"), choices=[(r.value, r.label) for r in Invitation.ROLES]
    )
    enterprise_number = enterprise_number_field(required=False)

    organisation: Organisation | None = None

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip()
        if address_taken(email):
            raise ValidationError(_("An account already uses this e-mail."))
        return email

    def clean_enterprise_number(self) -> str:
        raw = self.cleaned_data["enterprise_number"].strip()
        if not raw:
            return ""
        number = normalise_enterprise_number(raw)
        self.organisation = Organisation.objects.filter(enterprise_number=number).first()
        if self.organisation is None:
            raise ValidationError(_("No organisation of the registry has this number."))
        return number


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, invitation: Invitation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            someone = User(
                email=self.invitation.email,
                username=self.invitation.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(first, someone)
            except ValidationError as problems:
                self.add_error("password1", problems)
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse")])
    reason = forms.CharField(
        label=_("Reason (sent to the person)"), required=False, max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == "refuse" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why: the person receives the reason."))
        return data
