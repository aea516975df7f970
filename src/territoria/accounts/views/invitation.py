"""The page an invitation's link opens: the invited person sets a password."""

from allauth.account.utils import perform_login
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from territoria.accounts import services
from territoria.accounts.forms import AcceptInvitationForm
from territoria.core.i18n import current_language


def accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.open_invitation(token)
    if invitation is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(invitation, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.accept(
                invitation,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                language=current_language(),
            )
        except services.AccountError as refusal:
            form.add_error(None, str(refusal))
        else:
            if request.user.is_authenticated:
                logout(request)
            signed_in: HttpResponse = perform_login(request, user, redirect_url="/accounts/")
            return signed_in
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if request.method == "POST" else 200,
    )
