"""Small helpers over Binding: what did we already create in Acumatica for this BigCommerce object?"""
from sync.models import Binding
from tenants.models import Tenant


def bound_key(tenant: Tenant, kind: str, bc_id) -> str | None:
    return Binding.objects.filter(tenant=tenant, kind=kind, bc_id=str(bc_id)).values_list(
        "acumatica_key", flat=True).first()


def bound_binding(tenant: Tenant, kind: str, bc_id) -> Binding | None:
    return Binding.objects.filter(tenant=tenant, kind=kind, bc_id=str(bc_id)).first()


def bind(tenant: Tenant, kind: str, bc_id, acumatica_key: str, fingerprint: str = "", created: bool | None = None) -> None:
    """`created` (customers): whether the connector made the Acumatica record; None leaves it as it is."""
    defaults = {"acumatica_key": acumatica_key, "fingerprint": fingerprint}
    if created is not None:
        defaults["created_by_connector"] = created
    Binding.objects.update_or_create(tenant=tenant, kind=kind, bc_id=str(bc_id), defaults=defaults)


def bound_fingerprint(tenant: Tenant, kind: str, bc_id) -> str | None:
    return Binding.objects.filter(tenant=tenant, kind=kind, bc_id=str(bc_id)).values_list(
        "fingerprint", flat=True).first()
