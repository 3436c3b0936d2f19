"""API token self-service for owners and operators: create (the key is shown once), list, revoke."""
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
