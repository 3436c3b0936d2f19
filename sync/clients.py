"""Opening both API clients for a tenant, with every call recorded on the record's audit trail."""
from collections.abc import Iterator
from contextlib import contextmanager

from sync.acumatica import AcumaticaClient
from sync.bigcommerce import BigCommerceClient
from sync.http import CallHook
from tenants.models import Tenant


@contextmanager
def open_clients(tenant: Tenant, on_call: CallHook | None = None) -> Iterator[tuple[BigCommerceClient, AcumaticaClient]]:
    """Yields (bigcommerce, acumatica); the Acumatica session is always closed afterwards."""
    with BigCommerceClient(tenant.bigcommerce, on_call=on_call) as bc, \
            AcumaticaClient(tenant.acumatica, on_call=on_call) as ac:
        yield bc, ac
