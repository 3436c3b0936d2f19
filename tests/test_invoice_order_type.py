"""Invoice mode "connector" needs an order type without shipments (#14): Acumatica prepares an invoice for the
stock items of an order type that processes shipments (SO) only from a confirmed shipment. The settings page
refuses the combination; a tenant left on it gets a record that says what to change, and an IN order is
invoiced when paid."""
import pytest

from audit.models import SyncRecord
from sandbox.acumatica import state
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from sync.polling import queue_orders
from tenants.models import Tenant, invoicing_problem
from tests.test_onboarding_order_settings import SETTINGS
from tests.test_secrets_at_rest import ONBOARDING


@pytest.fixture
def logged_in(client, merchant):
    client.force_login(merchant)
    return client


@pytest.mark.parametrize("mode, order_type, refused", [
    ("connector", "SO", True), ("connector", "so", True), ("connector", "IN", False),
    ("acumatica", "SO", False), ("acumatica", "IN", False),
])
def test_the_rule(mode, order_type, refused):
    assert bool(invoicing_problem(mode, order_type)) is refused


def test_a_new_tenant_is_coherent_by_default():
    tenant = Tenant()
    assert (tenant.invoice_mode, tenant.order_type) == ("connector", "IN")
    assert invoicing_problem(tenant.invoice_mode, tenant.order_type) is None


@pytest.mark.django_db
def test_the_settings_page_refuses_connector_invoicing_of_a_shipping_order_type(logged_in):
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, **SETTINGS, "invoice_mode": "connector",
                                                   "order_type": "SO"})
    assert response.status_code == 200
    assert "processes shipments" in " ".join(response.context["form"].errors["order_type"])
    assert not Tenant.objects.exists()
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, **SETTINGS, "invoice_mode": "acumatica",
                                                   "order_type": "SO"})
    assert response.status_code == 302, response.context["form"].errors
    assert Tenant.objects.get(name="Form Co").order_type == "SO"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_tenant_left_on_so_gets_a_record_saying_what_to_change_and_in_is_invoiced(live_server):
    tenant = connect_sandbox_tenant(live_server.url, catalog=demo_catalog(count=6))
    store = Store.objects.get(store_hash="demo1234")
    assert tenant.order_type == "IN"
    paid = storefront.place_order(store, lines=[("SKU-00001", 1)])
    queue_orders(tenant, [paid.pk])
    assert SyncRecord.objects.get(external_id=str(paid.pk)).status == "succeeded"
    [invoice] = [i for i in state.sales_invoices("demo") if i["CustomerOrder"] == str(paid.pk)]
    assert invoice["Details"][0]["OrderType"] == "IN"

    Tenant.objects.filter(pk=tenant.pk).update(order_type="SO")   # as a tenant from before this rule
    tenant.refresh_from_db()
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    queue_orders(tenant, [order.pk])
    record = SyncRecord.objects.get(external_id=str(order.pk))
    assert record.status == "needs_attention"
    assert "processes shipments" in record.last_error and "order type" in record.last_error
    assert [i for i in state.sales_invoices("demo") if i["CustomerOrder"] == str(order.pk)] == []


def test_the_wizard_proposes_an_order_type_the_connector_can_invoice():
    from tenants.onboarding_forms import SetupForm
    from tests.test_onboarding_wizard import LISTS
    assert SetupForm(choices=LISTS).fields["order_type"].initial == "IN"
