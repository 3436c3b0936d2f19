"""Who may change a tenant's data through the API: staff, and the tenant's owners.

Viewers (Membership.Role.VIEWER) can read everything of their tenant but change nothing; they get
403 because they can see the object (someone outside the tenant gets 404 before this is asked).
"""
from rest_framework.exceptions import PermissionDenied

from tenants.models import Membership, Tenant


def require_owner(user, tenant: Tenant) -> None:
    if user.is_staff:
        return
    if not Membership.objects.filter(user=user, tenant=tenant, role=Membership.Role.OWNER).exists():
        raise PermissionDenied(f"Your role on {tenant.name} is viewer; ask an owner of the tenant to make this change.")
