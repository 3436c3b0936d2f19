"""Sync engine models.

- ``RateBudget``: the BigCommerce request budget of one store, shared by every worker on every
  machine (it lives in the database, not in process memory). Logic is in ``sync/ratebudget.py``.

Other sync models (Binding, Cursor, WebhookSubscription, CatalogState) are added here by later
issues; keep one class per concern with its docstring.
"""
from django.db import models


class RateBudget(models.Model):
    """What BigCommerce last told us about one store's quota window (X-Rate-Limit-* headers).

    The quota is per store and shared by all apps (reference/bigcommerce-api.md §2), so all our
    workers read and spend the same row.
    """

    store_hash = models.CharField(max_length=20, unique=True)
    requests_left = models.IntegerField(null=True, blank=True)
    requests_quota = models.IntegerField(null=True, blank=True)
    reset_at = models.DateTimeField(null=True, blank=True, help_text="When the current window refreshes.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.store_hash}: {self.requests_left}/{self.requests_quota} until {self.reset_at}"
