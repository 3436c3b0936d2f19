import pytest
from django.test import override_settings
from django.utils import timezone

from tenants.models import Tenant
from tests.test_secrets_at_rest import ONBOARDING


def _post(client, url: str, **changes):
    return client.post(url, {**ONBOARDING, **changes})


@pytest.fixture
def logged_in(client, merchant):
    client.force_login(merchant)
    return client


def test_it_requires_login(client, db):
    response = client.get("/onboarding/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_it_creates_a_tenant_owned_by_the_merchant(logged_in, merchant):
    response = _post(logged_in, "/onboarding/new/")
    tenant = Tenant.objects.get(name="Form Co")
    assert response.url == f"/onboarding/{tenant.slug}/"
    assert list(tenant.members.all()) == [merchant]
    assert tenant.bigcommerce.access_token == "form-token-PLAINTEXT"
    assert tenant.acumatica.endpoint_version == "24.200.001"


@pytest.mark.parametrize("field, value, message", [
    ("endpoint_version", "24.2", "NN.NNN.NNN"),
    ("store_hash", "Not A Hash!", "store hash"),
    ("bc_access_token", "", "access token is required"),
    ("ac_client_secret", "", "client secret"),
])
def test_it_rejects_bad_fields_with_field_errors(logged_in, field, value, message):
    response = _post(logged_in, "/onboarding/new/", **{field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert not Tenant.objects.exists()


@override_settings(DEBUG=False)
def test_it_requires_https_outside_debug(logged_in):
    response = _post(logged_in, "/onboarding/new/", instance_url="http://erp.example.com")
    assert "https://" in " ".join(response.context["form"].errors["instance_url"])


@override_settings(DEBUG=True)
def test_it_allows_http_in_debug_for_the_sandbox(logged_in):
    response = _post(logged_in, "/onboarding/new/", instance_url="http://localhost:8000/sandbox/acumatica/demo/")
    assert response.status_code == 302


def test_it_accepts_cookie_login_without_oauth_client(logged_in):
    response = _post(logged_in, "/onboarding/new/", auth_method="cookie", ac_client_id="", ac_client_secret="")
    assert response.status_code == 302
    assert Tenant.objects.get().acumatica.auth_method == "cookie"


def test_it_keeps_stored_secrets_when_inputs_are_left_empty(logged_in):
    _post(logged_in, "/onboarding/new/")
    tenant = Tenant.objects.get()
    response = _post(logged_in, f"/onboarding/{tenant.slug}/", name="Renamed", bc_access_token="",
                     bc_client_secret="", ac_client_secret="", ac_password="")
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.name == "Renamed"
    assert tenant.bigcommerce.access_token == "form-token-PLAINTEXT"
    assert tenant.acumatica.password == "form-password-PLAINTEXT"


def test_it_never_echoes_a_secret_into_the_page(logged_in):
    _post(logged_in, "/onboarding/new/")
    tenant = Tenant.objects.get()
    page = logged_in.get(f"/onboarding/{tenant.slug}/").content.decode()
    invalid = _post(logged_in, f"/onboarding/{tenant.slug}/", endpoint_version="bad").content.decode()
    for html in (page, invalid):
        for secret in ("form-token-PLAINTEXT", "form-client-secret-PLAINTEXT", "form-ac-secret-PLAINTEXT",
                       "form-password-PLAINTEXT", tenant.bigcommerce.webhook_secret):
            assert secret not in html
    assert "Form Co" in page and ">set<" in page


def test_it_hides_another_merchants_tenant(logged_in, make_tenant):
    other = make_tenant("other")
    assert logged_in.get(f"/onboarding/{other.slug}/").status_code == 404
    response = _post(logged_in, f"/onboarding/{other.slug}/", name="Hijacked")
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "Other"
    assert "Other" not in logged_in.get("/onboarding/", follow=True).content.decode()


def test_it_lists_only_the_merchants_own_tenants(client, make_tenant, merchant_of):
    mine, _ = make_tenant("mine"), make_tenant("theirs")
    client.force_login(merchant_of(mine))
    html = client.get("/onboarding/").content.decode()
    assert "Mine" in html and "Theirs" not in html


@override_settings(SANDBOX_ENABLED=False)
def test_it_refuses_another_bigcommerce_api_root_outside_the_sandbox(logged_in):
    response = _post(logged_in, "/onboarding/new/", bc_api_base_url="https://evil.example.com/stores/{store_hash}/")
    assert "only the real BigCommerce API" in " ".join(response.context["form"].errors["bc_api_base_url"])


def test_it_queues_webhook_registration_after_saving(logged_in, django_capture_on_commit_callbacks, monkeypatch):
    from django_q.conf import Conf
    from django_q.models import OrmQ

    monkeypatch.setattr(Conf, "SYNC", False)
    with django_capture_on_commit_callbacks(execute=True):
        _post(logged_in, "/onboarding/new/")
    assert [task.func() for task in OrmQ.objects.all()] == ["sync.jobs.check_webhooks_job"]


def test_the_catalog_settings_are_chosen_in_the_form_and_restart_the_stock_read(logged_in):
    from sync.models import Cursor
    _post(logged_in, "/onboarding/new/")
    tenant = Tenant.objects.get(name=ONBOARDING["name"])
    assert tenant.stock_quantity == "available" and tenant.warehouses == []
    page = logged_in.get(f"/onboarding/{tenant.slug}/").content.decode()
    assert 'name="stock_quantity"' in page and "Available for shipping" in page and 'name="warehouses"' in page
    Cursor.objects.create(tenant=tenant, stream="availability", position=timezone.now())

    response = _post(logged_in, f"/onboarding/{tenant.slug}/", stock_quantity="available_for_shipping",
                     warehouses="main, East ,main", safety_stock="2", catalog_excluded_items="freight-in")

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.stock_quantity, tenant.warehouses, tenant.safety_stock, tenant.catalog_excluded_items) == (
        "available_for_shipping", ["MAIN", "EAST"], 2, ["FREIGHT-IN"])
    assert Cursor.objects.get(tenant=tenant, stream="availability").position is None
    page = logged_in.get(f"/onboarding/{tenant.slug}/").content.decode()
    assert 'value="MAIN, EAST"' in page


@pytest.mark.parametrize("field, value, message", [
    ("stock_quantity", "everything", "Select a valid choice"),
    ("safety_stock", "-1", "greater than or equal to 0"),
    ("warehouses", "MAIN;DROP", "Not a valid WarehouseID"),
])
def test_it_refuses_bad_catalog_settings(logged_in, field, value, message):
    response = _post(logged_in, "/onboarding/new/", **{field: value})
    assert response.status_code == 200 and message in response.content.decode()
