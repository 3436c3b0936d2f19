"""Error pages and error e-mails that never show a secret, with DEBUG on too.

Django's own filter hides settings and headers by name, and frame variables only where a function is
decorated with ``sensitive_variables``; with DEBUG on it hides nothing at all. This filter is always
active and also hides, wherever they show (frame variables, request headers, POST data), the values of
every tenant secret it can find: those of connections cached on any ``Tenant`` or connection object in
the failing frames, and any a view registered with ``protect``. Over-hiding on an error page costs
nothing; one leaked credential costs the merchant.
"""
from __future__ import annotations

import pprint
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter

MIN_SECRET_LENGTH = 4  # shorter values would hide innocent text; no credential we store is that short


def protect(request: HttpRequest, secrets: Iterable[str | None]) -> None:
    """Marks values an error page for this request must never show."""
    known = getattr(request, "_connector_secrets", set())
    known |= {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
    request._connector_secrets = known


def connection_secrets(value: Any) -> set[str]:
    """Secrets held by a connection object, or by the connections already loaded on a tenant.

    Only values already in memory are read: an error page must not query a database that may be the
    thing that failed.
    """
    from tenants.models import AcumaticaConnection, BigCommerceConnection, Tenant
    connections = []
    if isinstance(value, (AcumaticaConnection, BigCommerceConnection)):
        connections.append(value)
    elif isinstance(value, Tenant):
        connections += [c for name, c in value._state.fields_cache.items() if name in ("bigcommerce", "acumatica") and c]
    secrets = set()
    for connection in connections:
        secrets |= {str(getattr(connection, name, "") or "") for name in connection.SECRET_FIELDS}
    return {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}


class SecretHidingFilter(SafeExceptionReporterFilter):
    def is_active(self, request: HttpRequest | None) -> bool:
        return True  # DEBUG pages too: `make run` serves them

    def _secrets(self, request: HttpRequest | None, tb_frame=None) -> set[str]:
        secrets = set(getattr(request, "_connector_secrets", set()))
        frame = tb_frame
        while frame is not None:
            for value in frame.f_locals.values():
                secrets |= connection_secrets(value)
            frame = frame.f_back
        self._seen = getattr(self, "_seen", set()) | secrets  # frames come first; META and POST reuse them
        return self._seen

    def _hides(self, name: Any, value: Any, secrets: set[str]) -> bool:
        if isinstance(name, str) and self.hidden_settings.search(name):
            return True
        if not secrets:
            return False
        try:
            shown = value if isinstance(value, str) else pprint.pformat(value)
        except Exception:  # a broken __repr__: the page shows an error instead of the value anyway
            return False
        return any(secret in shown for secret in secrets)

    def get_traceback_frame_variables(self, request, tb_frame):
        secrets = self._secrets(request, tb_frame)
        return [(name, self.cleansed_substitute if self._hides(name, value, secrets) else value)
                for name, value in super().get_traceback_frame_variables(request, tb_frame)]

    def get_safe_request_meta(self, request):
        secrets = self._secrets(request)
        return {k: self.cleansed_substitute if self._hides(k, v, secrets) else v
                for k, v in super().get_safe_request_meta(request).items()}

    def get_post_parameters(self, request):
        if request is None:
            return {}
        secrets = self._secrets(request)
        cleansed = request.POST.copy()
        for key, values in request.POST.lists():
            if any(self._hides(key, value, secrets) for value in values):
                cleansed.setlist(key, [self.cleansed_substitute])
        return cleansed
