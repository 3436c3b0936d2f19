"""Keeping a tenant's BigCommerce webhooks registered, active and pointing at us.

Every hook carries the tenant's secret header (see sync/webhook_auth.py) and points at
PUBLIC_BASE_URL/webhooks/bigcommerce/<public_id>/. `ensure_hooks` creates missing scopes,
reactivates hooks BigCommerce deactivated after failed deliveries, and fixes a wrong destination or
header; each change is an audit event on the tenant.
"""
from dataclasses import dataclass

from django.conf import settings

from audit.models import AuditEvent
from sync.bigcommerce import BigCommerceClient
from sync.webhook_auth import SECRET_HEADER
from tenants.models import Tenant

# Reference: shared/reference/bigcommerce-api.md §1.2 (scopes and their stubs). Not store/order/statusUpdated:
# store/order/updated fires on every change of an order, status changes included (§1.2), and every stub only
# makes the order's record re-read it, so statusUpdated would be a second delivery (and intake) of each change.
ORDER_HOOK_SCOPES = (
    "store/order/created", "store/order/updated", "store/order/refund/created",
    "store/order/transaction/created", "store/order/transaction/updated",
)
# store/customer/updated does not fire for address changes; the address scopes do (§1.2).
CUSTOMER_HOOK_SCOPES = ("store/customer/created", "store/customer/updated", "store/customer/address/created",
                        "store/customer/address/updated", "store/customer/address/deleted")


@dataclass(frozen=True)
class HookAction:
    scope: str
    action: str   # created, reactivated, fixed, retired, ok
    hook_id: int | None


def webhook_destination(tenant: Tenant, base_url: str | None = None) -> str:
    return f"{base_url or settings.PUBLIC_BASE_URL}/webhooks/bigcommerce/{tenant.public_id}/"


def wanted_scopes(tenant: Tenant) -> tuple[str, ...]:
    return (ORDER_HOOK_SCOPES if tenant.sync_orders else ()) + (CUSTOMER_HOOK_SCOPES if tenant.sync_customers else ())


def _ours(tenant: Tenant, hook: dict) -> bool:
    # A hook of this tenant, even if PUBLIC_BASE_URL changed since it was made.
    return f"/webhooks/bigcommerce/{tenant.public_id}/" in (hook.get("destination") or "")


def ensure_hooks(tenant: Tenant, bc: BigCommerceClient, base_url: str | None = None) -> list[HookAction]:
    """`base_url` overrides PUBLIC_BASE_URL (the demo knows the port it just started)."""
    destination = webhook_destination(tenant, base_url)
    headers = {SECRET_HEADER: tenant.bigcommerce.webhook_secret}
    existing = {hook["scope"]: hook for hook in bc.list_hooks() if _ours(tenant, hook)}
    actions = []
    wanted = wanted_scopes(tenant)
    for scope in wanted:
        hook = existing.get(scope)
        if hook is None:
            created = bc.create_hook(scope, destination, headers)
            actions.append(HookAction(scope, "created", created.get("id")))
        elif not hook.get("is_active"):
            bc.update_hook(hook["id"], is_active=True, destination=destination, headers=headers)
            actions.append(HookAction(scope, "reactivated", hook["id"]))
        elif hook.get("destination") != destination or (hook.get("headers") or {}) != headers:
            bc.update_hook(hook["id"], destination=destination, headers=headers)
            actions.append(HookAction(scope, "fixed", hook["id"]))
        else:
            actions.append(HookAction(scope, "ok", hook["id"]))
    # Ours for a scope no longer wanted (order or customer sync turned off, a scope the connector stopped
    # using): switched off, so BigCommerce stops sending what nothing reads.
    for scope, hook in existing.items():
        if scope not in wanted and hook.get("is_active"):
            bc.update_hook(hook["id"], is_active=False)
            actions.append(HookAction(scope, "retired", hook["id"]))
    for action in actions:
        if action.action != "ok":
            AuditEvent.write(action=f"webhook.{action.action}", tenant_id=tenant.pk,
                             message=f"BigCommerce hook {action.scope} {action.action} (id {action.hook_id}).")
    return actions
