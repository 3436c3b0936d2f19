"""REST API tokens: stored as a SHA-256 digest, shown once, many per user, each with a name and revocable.

A token is 32 random bytes (``secrets``), so a plain digest is enough: there is nothing to brute-force
that a slow password hash would protect. The first characters are kept in clear (``prefix``) so people
can tell their tokens apart in the list. Lookups go by digest; the key itself is never stored.
"""
from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_PREFIX = "mlc_"
SHOWN_PREFIX_LENGTH = 12  # "mlc_" and 8 random characters


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)

    def issue(self, user, name: str) -> tuple["ApiToken", str]:
        """A new token for `user`; returns (row, key). The key is never available again."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        token = self.create(user=user, name=name[:100], prefix=key[:SHOWN_PREFIX_LENGTH], digest=digest(key))
        return token, key

    def authenticate(self, key: str) -> "ApiToken | None":
        token = self.active().select_related("user").filter(digest=digest(key)).first()
        if token is None or not token.user.is_active:
            return None
        if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 60:
            type(self)(self.model).filter(pk=token.pk).update(last_used_at=timezone.now())  # at most once a minute
        return token


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'ERP reconciliation script'.")
    prefix = models.CharField(max_length=SHOWN_PREFIX_LENGTH, help_text="The token's first characters.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        app_label = "audit"
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


def may_manage_tokens(user) -> bool:
    """Superusers, and owners and operators of some tenant: a token acts with its user's roles, so a
    read-only member (staff or not) has no use for one that a script could leak."""
    if not user.is_authenticated:
        return False
    from tenants import access  # tenants is loaded before audit; imported late to stay a leaf module
    from tenants.models import Capability

    return user.is_superuser or access.can_anywhere(user, Capability.OPERATE)
