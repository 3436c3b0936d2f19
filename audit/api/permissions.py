"""Role checks for API writes. Reads are scoped by the querysets (another tenant's object is a 404);
a member whose role does not allow a change gets 403 with the role it needs."""
from rest_framework.exceptions import PermissionDenied

from tenants import access
from tenants.models import Capability, Tenant


def require_role(user, tenant: Tenant, capability: str = Capability.OPERATE) -> None:
    if not access.can(user, tenant, capability):
        raise PermissionDenied(access.denial_message(tenant, capability))
