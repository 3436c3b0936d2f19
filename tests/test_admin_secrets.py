import pytest

from tenants.models import Tenant

SECRETS = ("bc-token-acme-SECRET", "bc-client-secret-acme-SECRET", "ac-client-secret-acme-SECRET",
           "ac-password-acme-SECRET")


@pytest.fixture
def admin_client_(client, staff):
    client.force_login(staff)
    return client


def _inline_form_data(tenant: Tenant, **changes) -> dict:
    bc, ac = tenant.bigcommerce, tenant.acumatica
    data = {
        "name": tenant.name, "slug": tenant.slug, "active": "on", "order_poll_minutes": 10,
        "catalog_push_minutes": 15, "webhook_check_minutes": 60, "sync_orders": "on", "sync_customers": "on",
        "paid_status_ids": "[2, 3, 8, 9, 10, 11]", "guest_policy": "per_email", "invoice_mode": "connector",
        "same_code_fallback": "on", "order_type": "SO", "tax_mode": "bigcommerce", "tax_id": "BCTAX", "refund_adjustment_item": "BCREFUND", "refund_goods": "stock_lines", "customer_name_owner": "acumatica", "customer_contact_owner": "acumatica",
        "customer_address_owner": "acumatica", "payment_method_map": "{}", "cash_account_map": "{}",
        "sync_authorized_orders": "on", "freight_taxable": "on", "time_zone": "UTC", "channel_ids": "[]",
        "multi_address_policy": "attention",
        "sync_catalog": "on", "push_price": "on", "push_cost": "on", "push_inventory": "on", "cost_field": "average",
        "stock_quantity": "available", "warehouses": "[]", "safety_stock": 0, "catalog_excluded_items": "[]",
        "bigcommerce-TOTAL_FORMS": 1, "bigcommerce-INITIAL_FORMS": 1, "bigcommerce-0-id": bc.pk,
        "bigcommerce-0-tenant": tenant.pk, "bigcommerce-0-store_hash": bc.store_hash,
        "bigcommerce-0-client_id": bc.client_id, "bigcommerce-0-location_id": 1,
        "acumatica-TOTAL_FORMS": 1, "acumatica-INITIAL_FORMS": 1, "acumatica-0-id": ac.pk,
        "acumatica-0-tenant": tenant.pk, "acumatica-0-instance_url": ac.instance_url,
        "acumatica-0-endpoint_name": "Default", "acumatica-0-endpoint_version": ac.endpoint_version,
        "acumatica-0-company": ac.company,
        "acumatica-0-auth_method": "oauth", "acumatica-0-client_id": ac.client_id, "acumatica-0-username": "admin",
        "acumatica-0-push_header_name": "X-Push-Secret",
        "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def test_it_never_shows_a_secret_on_admin_pages(admin_client_, tenant):
    pages = [f"/admin/tenants/tenant/{tenant.pk}/change/", "/admin/tenants/tenant/", "/admin/tenants/tenant/add/"]
    for url in pages:
        response = admin_client_.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in (*SECRETS, tenant.bigcommerce.webhook_secret, tenant.acumatica.push_secret):
            assert secret not in html, url
    assert "Currently set" in admin_client_.get(pages[0]).content.decode()


def test_it_keeps_secrets_when_admin_inputs_are_empty(admin_client_, tenant):
    response = admin_client_.post(f"/admin/tenants/tenant/{tenant.pk}/change/", _inline_form_data(tenant, name="New"))
    assert response.status_code == 302, response.context["errors"] if response.context else response
    tenant.refresh_from_db()
    assert tenant.name == "New"
    assert tenant.bigcommerce.access_token == "bc-token-acme-SECRET"
    assert tenant.acumatica.password == "ac-password-acme-SECRET"


def test_it_replaces_a_secret_typed_in_admin(admin_client_, tenant):
    data = _inline_form_data(tenant, **{"bigcommerce-0-access_token": "rotated-token"})
    assert admin_client_.post(f"/admin/tenants/tenant/{tenant.pk}/change/", data).status_code == 302
    tenant.bigcommerce.refresh_from_db()
    assert tenant.bigcommerce.access_token == "rotated-token"
