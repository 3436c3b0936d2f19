"""The signed-in user's own settings: API tokens (create, shown once; list; revoke) and alert e-mails."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.api_tokens import ApiToken, may_manage_tokens


class NewTokenForm(forms.Form):
    name = forms.CharField(label="What is it for?", max_length=100,
                           help_text="e.g. 'Nightly reconciliation script'. Shown in this list, never sent anywhere.")


def _allowed(request) -> None:
    if not may_manage_tokens(request.user):
        raise PermissionDenied("API tokens are for owners and operators of a tenant.")


@never_cache  # the page that shows a new key must not be kept by any cache
@login_required
def token_list(request):
    _allowed(request)
    form = NewTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = ApiToken.objects.issue(request.user, form.cleaned_data["name"])
        form = NewTokenForm()
    tokens = ApiToken.objects.active().filter(user=request.user)
    return render(request, "tenants/api_tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@require_POST
@login_required
def token_revoke(request, pk: int):
    _allowed(request)
    token = get_object_or_404(ApiToken.objects.active(), pk=pk, user=request.user)
    token.revoke()
    messages.success(request, f"Revoked the token '{token.name}' ({token.prefix}…). It no longer works.")
    return redirect("api-tokens")


class AlertSettingsForm(forms.Form):
    email_alerts = forms.BooleanField(label="E-mail me when a tenant I own turns red or records need attention",
                                      required=False)


@login_required
def alert_settings(request):
    """Per-user opt-out of alert digests (audit/alerts.py)."""
    from audit.alerts import AlertPreference

    preference, _ = AlertPreference.objects.get_or_create(user=request.user)
    form = AlertSettingsForm(request.POST if request.method == "POST" else None, initial={"email_alerts": preference.email_alerts})
    if request.method == "POST" and form.is_valid():
        preference.email_alerts = form.cleaned_data["email_alerts"]
        preference.save(update_fields=["email_alerts"])
        messages.success(request, "Alert e-mails are " + ("on." if preference.email_alerts else "off."))
        return redirect("alert-settings")
    return render(request, "tenants/alert_settings.html", {"form": form, "email": request.user.email})
