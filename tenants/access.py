"""Who may do what on a tenant: the checks every view, form, admin page and API action calls.

Roles live on Membership (owner, operator, viewer); ROLE_CAPABILITIES in tenants/models.py says what
each allows. Superusers may do everything everywhere; being staff grants no tenant by itself.

    tenants_for(user, capability) -> Tenant queryset
    can(user, tenant, capability) -> bool
    require(user, tenant, capability)   # raises django PermissionDenied naming the missing role
"""
from django.core.exceptions import PermissionDenied

from tenants.models import Capability, Membership, Tenant, roles_with

ROLE_NEEDED = {Capability.VIEW: "a member", Capability.OPERATE: "an operator or owner",
               Capability.MANAGE: "an owner"}


def tenants_for(user, capability: str = Capability.VIEW):
    return Tenant.objects.visible_to(user, capability)


def role_of(user, tenant: Tenant) -> str | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).values_list("role", flat=True).first()


def can(user, tenant: Tenant | int | None, capability: str = Capability.VIEW) -> bool:
    if tenant is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    tenant_id = tenant.pk if isinstance(tenant, Tenant) else tenant
    return Membership.objects.filter(user=user, tenant_id=tenant_id, role__in=roles_with(capability)).exists()


def can_anywhere(user, capability: str) -> bool:
    """Whether the user holds `capability` on at least one tenant (for admin menus and add buttons)."""
    return tenants_for(user, capability).exists()


def denial_message(tenant: Tenant, capability: str) -> str:
    return f"Only {ROLE_NEEDED[capability]} of {tenant.name} may do this; ask an owner of the tenant."


def require(user, tenant: Tenant, capability: str) -> None:
    if not can(user, tenant, capability):
        raise PermissionDenied(denial_message(tenant, capability))
