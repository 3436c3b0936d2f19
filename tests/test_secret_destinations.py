"""Secrets are bound to their destination (tenants/destinations.py): when the store hash, API root,
instance URL, company or sign-in method changes, stored secrets are not reused — in the onboarding
form (Save and Test connection), the admin forms and any other save of a connection."""
import pytest
import responses
from django.test import override_settings

from tenants.destinations import SecretsNotRebound
from tenants.models import AcumaticaConnection, BigCommerceConnection, Membership
from tests.test_admin_secrets import _inline_form_data

# The tenant's stored values (tests/conftest.py make_tenant), as the onboarding form shows them.
UNCHANGED = {"name": "Acme", "store_hash": "acmestore", "bc_client_id": "bc-client", "bc_api_base_url": "",
             "instance_url": "https://erp.example.com", "endpoint_version": "24.200.001", "company": "Company",
             "auth_method": "oauth", "ac_client_id": "guid@Company", "username": "admin",
             "bc_access_token": "", "bc_client_secret": "", "ac_client_secret": "", "ac_password": ""}
ATTACKER = "https://attacker.example.net"
MOVES = [  # (changed input, the secret inputs that must be typed again)
    ({"instance_url": ATTACKER}, ["ac_client_secret", "ac_password"]),
    ({"company": "Other"}, ["ac_client_secret", "ac_password"]),
    ({"auth_method": "cookie"}, ["ac_password"]),  # cookie login sends no client secret
    ({"bc_api_base_url": ATTACKER + "/stores/{store_hash}/"}, ["bc_access_token", "bc_client_secret"]),
    ({"store_hash": "otherstore"}, ["bc_access_token", "bc_client_secret"]),
]


@pytest.fixture
def owner(client, tenant, merchant_of):
    client.force_login(merchant_of(tenant, "olga", role=Membership.Role.OWNER))
    return client


@responses.activate  # no URL registered: any outbound request would be recorded
@pytest.mark.parametrize("action", ["test", "save"])
@pytest.mark.parametrize("change, retype", MOVES, ids=[next(iter(c)) for c, _ in MOVES])
def test_the_owner_must_retype_secrets_for_a_new_destination(owner, tenant, change, retype, action):
    response = owner.post(f"/onboarding/{tenant.slug}/", {**UNCHANGED, **change, "action": action})
    assert response.status_code == 200
    errors = response.context["form"].errors
    for field in retype:
        assert "type this secret again" in " ".join(errors[field]), (field, errors)
    assert len(responses.calls) == 0  # nothing was sent anywhere
    tenant.bigcommerce.refresh_from_db()
    tenant.acumatica.refresh_from_db()
    assert (tenant.bigcommerce.store_hash, tenant.acumatica.instance_url) == ("acmestore", "https://erp.example.com")


def test_unchanged_destinations_keep_the_stored_secrets(owner, tenant):
    response = owner.post(f"/onboarding/{tenant.slug}/", {**UNCHANGED, "name": "Acme Ltd",
                                                          "instance_url": "HTTPS://ERP.example.com/", "action": "save"})
    assert response.status_code == 302
    tenant.acumatica.refresh_from_db()
    assert tenant.acumatica.password == "ac-password-acme-SECRET"


def test_a_new_destination_with_retyped_secrets_is_saved_and_old_tokens_are_dropped(owner, tenant):
    AcumaticaConnection.objects.filter(tenant=tenant).update(token_expires_at="2030-01-01T00:00:00Z")
    ac = tenant.acumatica
    ac.access_token, ac.refresh_token = "old-ACCESS-token", "old-REFRESH-token"
    ac.save(update_fields=["access_token", "refresh_token"])
    response = owner.post(f"/onboarding/{tenant.slug}/", {**UNCHANGED, "instance_url": "https://new.example.com",
                                                          "ac_password": "new-password", "ac_client_secret": "new-cs",
                                                          "action": "save"})
    assert response.status_code == 302
    ac.refresh_from_db()
    assert (ac.instance_url, ac.password, ac.client_secret) == ("https://new.example.com", "new-password", "new-cs")
    assert (ac.access_token, ac.refresh_token, ac.token_expires_at) == ("", "", None)


@pytest.mark.parametrize("model, field, value", [
    (BigCommerceConnection, "store_hash", "otherstore"), (BigCommerceConnection, "api_base_url", ATTACKER),
    (AcumaticaConnection, "instance_url", ATTACKER), (AcumaticaConnection, "company", "Other"),
    (AcumaticaConnection, "auth_method", "cookie"),
])
def test_no_save_of_a_moved_connection_keeps_the_old_secrets(tenant, model, field, value):
    """The last line for any path (an API, a command, the shell) that edits a connection."""
    connection = model.objects.get(tenant=tenant)
    setattr(connection, field, value)
    with pytest.raises(SecretsNotRebound):
        connection.save()
    for name in ("access_token", "client_secret") if model is BigCommerceConnection else ("client_secret", "password"):
        setattr(connection, name, f"retyped-{name}")
    connection.save()
    assert getattr(model.objects.get(tenant=tenant), field) == value


@pytest.fixture
def admin_browser(client, staff):
    client.force_login(staff)
    return client


def test_the_admin_form_refuses_a_changed_instance_url_without_retyped_secrets(admin_browser, tenant):
    data = _inline_form_data(tenant, **{"acumatica-0-instance_url": ATTACKER})
    response = admin_browser.post(f"/admin/tenants/tenant/{tenant.pk}/change/", data)
    assert response.status_code == 200 and "type this secret again" in response.content.decode()
    tenant.acumatica.refresh_from_db()
    assert tenant.acumatica.instance_url == "https://erp.example.com"
    data.update({"acumatica-0-password": "typed-again", "acumatica-0-client_secret": "typed-again-too"})
    assert admin_browser.post(f"/admin/tenants/tenant/{tenant.pk}/change/", data).status_code == 302
    tenant.acumatica.refresh_from_db()
    assert (tenant.acumatica.instance_url, tenant.acumatica.password) == (ATTACKER, "typed-again")


@override_settings(SANDBOX_ENABLED=False, DEBUG=False)
def test_the_admin_form_has_the_onboarding_guards(admin_browser, tenant):
    """The audit's attack: a staff user re-points a store's API root (and an instance to plain http)."""
    data = _inline_form_data(tenant, **{"bigcommerce-0-api_base_url": ATTACKER + "/stores/{store_hash}/",
                                        "bigcommerce-0-access_token": "typed", "bigcommerce-0-client_secret": "t",
                                        "acumatica-0-instance_url": "http://erp.example.com",
                                        "acumatica-0-password": "typed", "acumatica-0-client_secret": "typed"})
    response = admin_browser.post(f"/admin/tenants/tenant/{tenant.pk}/change/", data, secure=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "only the real BigCommerce API can be used here" in html and "must start with https://" in html
    tenant.bigcommerce.refresh_from_db()
    assert tenant.bigcommerce.api_base_url == ""
