"""Building the API clients the way the running system uses them: tuned by settings, recorded.

Retry policy, timeouts and the Acumatica action poll interval come from settings (see README's
configuration table), so an operator can tune them and tests can make them fast.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

from sync.acumatica import AcumaticaClient
from sync.bigcommerce import BigCommerceClient
from sync.http import CallHook, RetryPolicy
from tenants.models import AcumaticaConnection, BigCommerceConnection, Tenant


def retry_policy() -> RetryPolicy:
    return RetryPolicy(max_attempts=settings.HTTP_MAX_ATTEMPTS, base_delay=settings.HTTP_RETRY_BASE_DELAY,
                       max_delay=settings.HTTP_RETRY_MAX_DELAY, max_total_wait=settings.HTTP_MAX_TOTAL_WAIT)


def _tune(client):
    client.http.timeout = (settings.HTTP_CONNECT_TIMEOUT, settings.HTTP_READ_TIMEOUT)
    return client


def bigcommerce_client(connection: BigCommerceConnection, on_call: CallHook | None = None) -> BigCommerceClient:
    return _tune(BigCommerceClient(connection, on_call=on_call, policy=retry_policy()))


def acumatica_client(connection: AcumaticaConnection, on_call: CallHook | None = None) -> AcumaticaClient:
    return _tune(AcumaticaClient(connection, on_call=on_call, policy=retry_policy(),
                                 poll_interval=settings.ACUMATICA_ACTION_POLL_SECONDS))


@contextmanager
def open_clients(tenant: Tenant, on_call: CallHook | None = None) -> Iterator[tuple[BigCommerceClient, AcumaticaClient]]:
    """Yields (bigcommerce, acumatica); the Acumatica session is always closed afterwards."""
    with bigcommerce_client(tenant.bigcommerce, on_call) as bc, acumatica_client(tenant.acumatica, on_call) as ac:
        yield bc, ac
