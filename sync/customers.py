"""Customers: matched by binding, then by e-mail in Acumatica, else created; then bound.

Also the customer pipeline (kind "customer", one record per BigCommerce customer) that keeps the
Acumatica customer's name, phone, company and address up to date. A changed e-mail updates the
bound customer; it never creates a second one.
"""
import hashlib

from audit.models import SyncRecord
from sync import mapping
from sync.acumatica import AcumaticaClient, unwrap, wrap
from sync.bindings import bind, bound_key
from sync.clients import open_clients
from sync.tasks import register_pipeline
from tenants.models import Tenant


def registered_customer_id(bc_customer_id: int) -> str:
    return f"BC{int(bc_customer_id):08d}"


def guest_customer_id(email: str) -> str:
    # Deterministic, so a retried create is an update of the same customer, never a second one.
    return "BG" + hashlib.sha1(email.strip().lower().encode()).hexdigest()[:8].upper()


def find_customer_by_email(ac: AcumaticaClient, email: str) -> str | None:
    for row in ac.query("Customer", filter=f"MainContact/Email eq {mapping.odata_string(email)}", expand="MainContact",
                        select="CustomerID,MainContact/Email", top=2):
        return unwrap(row)["CustomerID"]
    return None


def ensure_customer(ac: AcumaticaClient, tenant: Tenant, kind: str, bc_id, person: dict, address: dict | None,
                    new_id: str | None = None) -> str:
    """The Acumatica CustomerID for this shopper: found by e-mail, else created. Always bound after."""
    email = (person.get("email") or "").strip()
    customer_id = find_customer_by_email(ac, email) if email else None
    if customer_id is None:
        payload = mapping.customer_payload(person, address, customer_class=tenant.customer_class,
                                           customer_id=new_id or registered_customer_id(bc_id))
        customer_id = unwrap(ac.put("Customer", wrap(payload)))["CustomerID"]
    bind(tenant, kind, bc_id, customer_id)
    return customer_id


def default_address(customer: dict) -> dict | None:
    addresses = customer.get("addresses") or []
    return addresses[0] if addresses else None


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
        customer_id = bound_key(tenant, "customer", customer["id"])
        if customer_id is None:
            customer_id = ensure_customer(ac, tenant, "customer", customer["id"], customer, default_address(customer))
        payload = mapping.customer_payload(customer, default_address(customer), customer_id=customer_id)
        ac.put("Customer", wrap(payload))
    return {"acumatica_key": customer_id, "bigcommerce_key": str(customer["id"])}
