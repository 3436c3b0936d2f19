"""Small helpers over Binding: what did we already create in Acumatica for this BigCommerce object?"""
from sync.models import Binding
from tenants.models import Tenant


def bound_key(tenant: Tenant, kind: str, bc_id) -> str | None:
    return Binding.objects.filter(tenant=tenant, kind=kind, bc_id=str(bc_id)).values_list(
        "acumatica_key", flat=True).first()


def bind(tenant: Tenant, kind: str, bc_id, acumatica_key: str, fingerprint: str = "") -> None:
    Binding.objects.update_or_create(tenant=tenant, kind=kind, bc_id=str(bc_id),
                                     defaults={"acumatica_key": acumatica_key, "fingerprint": fingerprint})
