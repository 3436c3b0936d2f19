"""Wiring a tenant to the sandbox store and Acumatica instance (for `make run` and end-to-end tests)."""
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sandbox.acumatica.documents import put_record
from sandbox.acumatica.seed import seed_instance
from sandbox.acumatica.models import Instance
from sandbox.acumatica.state import oauth_settings
from sandbox.bigcommerce.models import Store
from sandbox.bigcommerce.seed import seed_store
from sandbox.bigcommerce.storefront import place_order
from sandbox.catalog_data import MISMATCHED_CODES, DemoItem, demo_catalog
from tenants.models import AcumaticaConnection, BigCommerceConnection, Membership, SkuMapping, Tenant

DEMO_SLUG = "demo"
REFUND_ITEM = "BCREFUND"
# The sandbox store's gateways (its card gateway, manual refunds, store credit, gift certificates).
DEMO_PAYMENT_METHODS = {"testgateway": "CC", "custom": "CASH", "storecredit": "STORECREDIT",
                        "giftcertificate": "GIFTCERT"}
DEMO_CASH_ACCOUNT = "10250"
PAST_ORDER_SKUS = ("SKU-00001", "SKU-00002")  # a provisioned store's order history (paid by card)


@transaction.atomic
def connect_sandbox_tenant(base_url: str, slug: str = DEMO_SLUG, store_hash: str = "demo1234",
                           instance_slug: str = "demo", endpoint_version: str | None = None,
                           catalog=None, **tenant_fields) -> Tenant:
    """Seeds the sandbox store and instance and creates (or re-points) a tenant connected to them.

    `base_url` is where this server listens, e.g. http://127.0.0.1:8000 or a live_server URL. The tenant
    pins `endpoint_version`, by default settings.SANDBOX_ENDPOINT_VERSION.
    """
    endpoint_version = endpoint_version or settings.SANDBOX_ENDPOINT_VERSION
    store = seed_store(store_hash, catalog=catalog, local_receivers=True)  # the connector listens on http here
    instance = seed_instance(instance_slug, catalog=catalog)
    put_record(instance, "NonStockItem", {"InventoryID": REFUND_ITEM, "Description": "Refund adjustment",
                                          "DefaultPrice": "0"})
    # Acumatica invoices an SO order from its shipment; the connector invoices an IN order when it is paid.
    order_type = "SO" if tenant_fields.get("invoice_mode") == Tenant.InvoiceMode.ACUMATICA else "IN"
    defaults = {"name": "Demo store", "default_payment_method": "CC", "default_cash_account": DEMO_CASH_ACCOUNT,
                "payment_method_map": dict(DEMO_PAYMENT_METHODS), "refund_adjustment_item": REFUND_ITEM,
                "order_type": order_type, **tenant_fields}
    tenant, _ = Tenant.objects.update_or_create(slug=slug, defaults=defaults)
    bc_values, ac_values = sandbox_connection_values(base_url, store, instance, endpoint_version)
    BigCommerceConnection.objects.update_or_create(tenant=tenant, defaults=bc_values)
    connection, _ = AcumaticaConnection.objects.update_or_create(tenant=tenant, defaults={
        **ac_values, "access_token": "", "refresh_token": "", "token_expires_at": None})
    wire_push_notifications(tenant, instance.slug, base_url)
    for sku, inventory_id in MISMATCHED_CODES.items():
        SkuMapping.objects.update_or_create(tenant=tenant, bc_sku=sku, defaults={"inventory_id": inventory_id})
    return tenant


def sandbox_connection_values(base_url: str, store: Store, instance, endpoint_version: str) -> tuple[dict, dict]:
    """The BigCommerceConnection and AcumaticaConnection fields (secrets included) that reach `store` and
    `instance` through this server."""
    oauth = oauth_settings(instance)
    return ({"store_hash": store.store_hash, "access_token": store.access_token, "client_id": store.client_id,
             "client_secret": store.client_secret,
             "api_base_url": f"{base_url}/sandbox/bigcommerce/stores/{{store_hash}}/"},
            {"instance_url": f"{base_url}/sandbox/acumatica/{instance.slug}/", "endpoint_version": endpoint_version,
             "company": oauth["company"], "auth_method": AcumaticaConnection.AuthMethod.OAUTH,
             "client_id": oauth["client_id"], "client_secret": oauth["client_secret"],
             "username": oauth["username"], "password": oauth["password"]})


def wire_push_notifications(tenant: Tenant, instance_slug: str, base_url: str) -> None:
    """The sandbox instance pushes item changes to the tenant's receiver, as SM302000 would be set up."""
    instance = Instance.objects.get(slug=instance_slug)
    connection = AcumaticaConnection.objects.get(tenant=tenant)
    instance.push_url = f"{base_url}/webhooks/acumatica/{tenant.public_id}/"
    instance.push_header_name, instance.push_header_value = connection.push_header_name, connection.push_secret
    instance.save()


def provisioned_catalog() -> list[DemoItem]:
    """What a provisioned sandbox sells: the demo catalog (tests make it smaller)."""
    return demo_catalog()


@transaction.atomic
def provision_sandbox(base_url: str) -> tuple[BigCommerceConnection, AcumaticaConnection, dict]:
    """A fresh sandbox store and Acumatica instance for one merchant trying the onboarding wizard.

    Returns unsaved connections holding their credentials, and {"store_hash", "instance_slug"}. The store
    has a few paid orders from last week (so the wizard sees its gateways) and, as in real life, some
    SKUs differ from the InventoryIDs and are not mapped yet (the fit check lists them)."""
    code = "sb" + secrets.token_hex(4)  # a valid store hash and instance slug, not guessable
    catalog = provisioned_catalog()
    store = seed_store(code, catalog=catalog, local_receivers=True)
    instance = seed_instance(code, catalog=catalog)
    put_record(instance, "NonStockItem", {"InventoryID": REFUND_ITEM, "Description": "Refund adjustment",
                                          "DefaultPrice": "0"})
    last_week = timezone.now() - timedelta(days=7)
    for sku in PAST_ORDER_SKUS:
        place_order(store, lines=[(sku, 1)], created=last_week)
    store.orders.update(date_modified=last_week)  # paid and settled then, not touched since
    bc_values, ac_values = sandbox_connection_values(base_url, store, instance, settings.SANDBOX_ENDPOINT_VERSION)
    return (BigCommerceConnection(**bc_values), AcumaticaConnection(**ac_values),
            {"store_hash": code, "instance_slug": code})


def prepare_demo_tenant(base_url: str, stdout=None) -> Tenant:
    """The demo tenant, seeded once; later runs keep the sandbox state and only re-point the URLs."""
    if not Store.objects.filter(store_hash="demo1234").exists() or not Tenant.objects.filter(slug=DEMO_SLUG).exists():
        # Invoices follow Acumatica's shipment flow, so sales orders stay open for the sandbox warehouse
        # (sandbox_erp_activity) to ship, and the demo shows shipments and tracking numbers flowing back.
        tenant = connect_sandbox_tenant(base_url, invoice_mode=Tenant.InvoiceMode.ACUMATICA)
    else:
        tenant = Tenant.objects.get(slug=DEMO_SLUG)
        BigCommerceConnection.objects.filter(tenant=tenant).update(
            api_base_url=f"{base_url}/sandbox/bigcommerce/stores/{{store_hash}}/")
        AcumaticaConnection.objects.filter(tenant=tenant).update(instance_url=f"{base_url}/sandbox/acumatica/demo/")
    for user in get_user_model().objects.filter(is_superuser=True):
        Membership.objects.get_or_create(user=user, tenant=tenant)
    return tenant
