"""Customers: found by binding, then by e-mail in Acumatica, else created; then bound.

A binding remembers whether the connector created the Acumatica customer or matched one that was
already there. Customers we created follow BigCommerce; matched ones are changed only as the
tenant's field ownership settings allow (sync/customer_fields.py), so an accountant's customer is
never renamed or stripped of its address because a shopper registered with the same e-mail.

One e-mail is one customer: a guest bound by e-mail who registers later (any letter case) is the
same Acumatica customer. Two Acumatica customers with the shopper's e-mail are never guessed
between: the record needs attention and names both.

The customer pipeline (kind "customer", one record per BigCommerce customer) runs on customer and
customer address webhooks and keeps the Acumatica customer up to date; a changed e-mail updates
the bound customer, it never creates a second one.
"""
import hashlib

from audit.models import AuditEvent, SyncRecord
from sync.acumatica import AcumaticaClient, unwrap, wrap
from sync.bindings import bind, bound_binding
from sync.clients import open_clients
from sync.customer_fields import (CREATED_OWNERS, GROUPS, Shopper, nest, plan_update, shopper_from_customer,
                                  shopper_from_order, wanted_fields)
from sync.mapping import odata_string
from sync.models import Binding
from sync.tasks import register_pipeline
from tenants.models import Tenant


class DuplicateCustomers(Exception):
    permanent = True


def registered_customer_id(bc_customer_id: int) -> str:
    return f"BC{int(bc_customer_id):08d}"


def guest_customer_id(email: str) -> str:
    # Deterministic, so a retried create is an update of the same customer, never a second one.
    return "BG" + hashlib.sha1(email.strip().lower().encode()).hexdigest()[:8].upper()


def find_customer_by_email(ac: AcumaticaClient, email: str, label: str = "This shopper") -> str | None:
    # Acumatica compares strings without regard to case, so this finds "Ann@X.com" for "ann@x.com" too.
    found = [unwrap(row)["CustomerID"] for row in ac.query(
        "Customer", filter=f"MainContact/Email eq {odata_string(email)}", expand="MainContact",
        select="CustomerID,MainContact/Email", top=2)]
    if len(found) > 1:
        raise DuplicateCustomers(
            f"{label}'s e-mail {email} belongs to more than one Acumatica customer: {', '.join(sorted(set(found)))}. "
            "Merge them or change the e-mail of the one that is not this shopper in Acumatica, then replay.")
    return found[0] if found else None


def owners_for(tenant: Tenant, created: bool) -> dict[str, str]:
    if created:
        return dict(CREATED_OWNERS)
    return {group: getattr(tenant, f"customer_{group}_owner") for group in GROUPS}


def note(tenant: Tenant, record: SyncRecord | None, action: str, message: str) -> None:
    if record is not None:
        record.log(action, message=message)
    else:
        AuditEvent.write(action=action, tenant_id=tenant.pk, message=message)


def ours(tenant: Tenant, customer_id: str, new_id: str) -> bool:
    """Did the connector create this customer? Our deterministic ID (a create whose binding was
    never written, e.g. a crash) or another binding that says so (the guest of a registered shopper)."""
    return customer_id == new_id or Binding.objects.filter(
        tenant=tenant, kind__in=("customer", "guest"), acumatica_key=customer_id, created_by_connector=True).exists()


def link_customer(ac: AcumaticaClient, tenant: Tenant, kind: str, bc_id, shopper: Shopper,
                  new_id: str, record: SyncRecord | None = None) -> tuple[str, bool, bool]:
    """(CustomerID, created by us, created just now) for a shopper without a binding of `kind`."""
    email = shopper.email.lower()
    guest = bound_binding(tenant, "guest", email) if email and kind != "guest" else None
    if guest is not None:   # the guest registered: same person, same customer
        bind(tenant, kind, bc_id, guest.acumatica_key, created=guest.created_by_connector)
        return guest.acumatica_key, guest.created_by_connector, False
    customer_id = find_customer_by_email(ac, shopper.email, shopper.label) if email else None
    if customer_id is not None:
        created = ours(tenant, customer_id, new_id)
        bind(tenant, kind, bc_id, customer_id, created=created)
        if not created:
            note(tenant, record, "customer.matched", f"{shopper.label} matched Acumatica customer {customer_id} "
                 f"by e-mail; fields change only as the tenant's customer field ownership allows.")
        return customer_id, created, False
    wanted = wanted_fields(shopper)
    payload = {"CustomerID": new_id, **nest(wanted.all_fields())}
    if tenant.customer_class:
        payload["CustomerClass"] = tenant.customer_class
    customer_id = unwrap(ac.put("Customer", wrap(payload)))["CustomerID"]
    bind(tenant, kind, bc_id, customer_id, created=True)
    for message in wanted.notes:
        note(tenant, record, "customer.value_shortened", message)
    return customer_id, True, True


def ensure_customer(ac: AcumaticaClient, tenant: Tenant, kind: str, bc_id, person: dict, address: dict | None,
                    new_id: str | None = None) -> str:
    """The Acumatica CustomerID for a shopper met on an order: found by e-mail, else created; bound.

    `person` is the v3 customer (registered) or the order's billing address (guest); `address` is
    the order's v2 billing address. A customer found by e-mail is bound, not changed."""
    label = f"BigCommerce customer {bc_id}" if kind == "customer" else f"Guest {bc_id}"
    shopper = shopper_from_order(person, address, label)
    customer_id, _, _ = link_customer(ac, tenant, kind, bc_id, shopper, new_id or registered_customer_id(bc_id))
    return customer_id


def update_customer(ac: AcumaticaClient, tenant: Tenant, customer_id: str, shopper: Shopper, created: bool,
                    record: SyncRecord) -> dict:
    """Sends what the owners allow to change; returns the plan's summary for the record's result."""
    current = unwrap(ac.get("Customer", customer_id, expand="MainContact/Address"))
    wanted = wanted_fields(shopper)
    plan = plan_update(current, wanted, owners_for(tenant, created))
    if plan.changes:
        ac.put("Customer", wrap({"CustomerID": customer_id, **nest(plan.changes)}))
        for message in wanted.notes:
            record.log("customer.value_shortened", message=message)
    if plan.kept:
        kept = "; ".join(f"{path.split('/')[-1]} stays {old!r} (BigCommerce: {new!r})"
                         for path, (old, new) in sorted(plan.kept.items()))
        record.log("customer.kept_acumatica_values",
                   message=f"Acumatica owns these fields of matched customer {customer_id}: {kept}.")
    return {"changed": sorted(plan.changes), "kept": sorted(plan.kept)}


@register_pipeline("customer")
def sync_customer(record: SyncRecord) -> dict | None:
    tenant = record.tenant
    if not tenant.sync_customers:
        record.filter("Customer sync is switched off for this tenant.")
        return None
    with open_clients(tenant, record.call_recorder()) as (bc, ac):
        customer = bc.get_customer(int(record.external_id))
        if customer is None:
            record.filter(f"BigCommerce customer {record.external_id} no longer exists.")
            return None
        record.store_snapshot(customer)
        shopper = shopper_from_customer(customer)
        binding = bound_binding(tenant, "customer", customer["id"])
        if binding is not None:
            customer_id, created, fresh = binding.acumatica_key, binding.created_by_connector, False
        else:
            customer_id, created, fresh = link_customer(ac, tenant, "customer", customer["id"], shopper,
                                                        registered_customer_id(customer["id"]), record)
        fields = {"changed": "all (created)", "kept": []} if fresh else \
            update_customer(ac, tenant, customer_id, shopper, created, record)
    return {"acumatica_key": customer_id, "bigcommerce_key": str(customer["id"]),
            "created_by_connector": created, **fields}
