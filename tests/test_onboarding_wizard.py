"""The onboarding wizard (tenants/onboarding.py): connect and test, settings from live lists, start.

The flow runs over real HTTP against a fresh sandbox store and instance ("Use the sandbox"); the
settings step's validation is tested on the form with given lists."""
from datetime import date, timedelta

import pytest
import responses
from django.contrib.sessions.models import Session
from django.test import override_settings

from sandbox.acumatica.models import Instance
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from tenants.live_choices import Choices
from tenants.models import Membership, Tenant
from tenants.onboarding_draft import SESSION_KEY, load_draft
from tenants.onboarding_forms import SetupForm, suggested_method
from tests.test_connection_test_view import FORM_BC, acumatica_answers
from tests.test_secrets_at_rest import ONBOARDING

LISTS = Choices(order_statuses=[(2, "Shipped"), (11, "Awaiting Fulfillment")], channels=[1, 2],
                gateways=["stripe", "storecredit"], time_zone="America/Chicago",
                payment_methods=[("CC", "Cards"), ("STORECREDIT", "Store credit"), ("CHECK", "")],
                cash_accounts={"CC": ["10250", "10200"], "STORECREDIT": ["20000"], "CHECK": ["10200"]},
                warehouses=["MAIN", "EAST"], taxes=["BCTAX", "VAT"], tax_zones=["AVALARA"],
                non_stock_items=[("BCREFUND", "Refund adjustment"), ("FEES", "Fees")])
GOOD = {"paid_status_ids": ["2", "11"], "channel_ids": ["1"], "time_zone": "America/Chicago",
        "orders_backfill_from": "2026-01-05", "order_type": "SO", "branch": "", "tax_id": "BCTAX", "tax_zone": "",
        "warehouses": ["MAIN"], "method_stripe": "CC", "cash_stripe": "10250", "method_storecredit": "STORECREDIT",
        "cash_storecredit": "20000", "default_payment_method": "", "default_cash_account": "",
        "refund_adjustment_item": "BCREFUND", "fee_item": "FEES", "no_sku_item": ""}


def setup_form(**changes) -> SetupForm:
    return SetupForm({**GOOD, **changes}, choices=LISTS)


# -- step 2: the settings form -------------------------------------------------------------------------------


def test_it_preselects_what_a_distributor_would_pick():
    form = SetupForm(choices=LISTS)
    assert form["method_stripe"].initial == "CC" and form["cash_stripe"].initial == "10250"
    assert form["method_storecredit"].initial == "STORECREDIT"
    assert form["time_zone"].initial == "America/Chicago" and form["tax_id"].initial == "BCTAX"
    assert form["refund_adjustment_item"].initial == "BCREFUND" and form["fee_item"].initial == ""
    assert form["orders_backfill_from"].initial == date.today()
    assert suggested_method("braintree", ["CHECK", "CC"]) == "CC" and suggested_method("custom", ["CC"]) == ""


def test_it_turns_the_choices_into_the_tenants_settings():
    form = setup_form()
    assert form.is_valid(), form.errors
    tenant = Tenant()
    form.apply(tenant)
    assert tenant.payment_method_map == {"stripe": "CC", "storecredit": "STORECREDIT"}
    assert tenant.cash_account_map == {"CC": "10250", "STORECREDIT": "20000"}
    assert (tenant.paid_status_ids, tenant.channel_ids, tenant.warehouses) == ([2, 11], [1], ["MAIN"])
    assert tenant.orders_backfill_from.isoformat() == "2026-01-05T00:00:00-06:00"
    assert tenant.fee_item == "FEES" and "FEES" in tenant.catalog_excluded_items


@pytest.mark.parametrize("changes, field, message", [
    ({"cash_storecredit": "10250"}, "cash_storecredit", "allows only: 20000"),
    ({"method_storecredit": "CC", "cash_storecredit": "10200"}, "cash_storecredit", "already uses cash account 10250"),
    ({"method_stripe": ""}, "method_stripe", "required"),
    ({"unmapped_gateways_use_default": "on"}, "default_payment_method", "catch-all"),
    ({"unmapped_gateways_use_default": "on", "default_payment_method": "CC"}, "default_cash_account", "cash account"),
    ({"orders_backfill_from": (date.today() + timedelta(days=5)).isoformat()}, "orders_backfill_from", "today"),
    ({"paid_status_ids": []}, "paid_status_ids", "required"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "valid choice"),
    ({"refund_adjustment_item": "NOPE"}, "refund_adjustment_item", "valid choice"),
])
def test_it_refuses_bad_settings_on_their_field(changes, field, message):
    form = setup_form(**changes)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_a_list_that_could_not_be_read_becomes_a_typed_value():
    form = SetupForm({**GOOD, "refund_adjustment_item": "bcrefund", "tax_id": "bad id!"},
                     choices=Choices(gateways=["stripe"], notes={"non_stock_items": "Could not read ..."}))
    assert not form.is_valid()
    assert "valid Acumatica ID" in form.errors["tax_id"][0]
    assert form.cleaned_data["refund_adjustment_item"] == "BCREFUND"


# -- the flow over HTTP on a fresh sandbox -----------------------------------------------------------------


@pytest.fixture
def merchant_client(client, merchant, live_server):
    client.force_login(merchant)
    client.defaults["HTTP_HOST"] = live_server.url.split("//")[1]  # "Use the sandbox" points at this server
    return client


def use_sandbox(client):
    response = client.post("/onboarding/start/", {"action": "sandbox"})
    assert response.status_code == 302 and response.url == "/onboarding/start/"
    return load_draft(client.session)


def test_it_sends_a_merchant_without_tenants_to_the_wizard(client, merchant):
    client.force_login(merchant)
    assert client.get("/onboarding/").url == "/onboarding/start/"


def test_the_settings_step_waits_for_a_passing_test(merchant_client):
    assert merchant_client.get("/onboarding/start/settings/").url == "/onboarding/start/"
    use_sandbox(merchant_client)
    assert merchant_client.get("/onboarding/start/settings/").url == "/onboarding/start/"


@pytest.mark.django_db(transaction=True)
@override_settings(DEBUG=True)  # the sandbox listens on http
def test_a_merchant_connects_the_sandbox_chooses_settings_and_starts(merchant_client, merchant, monkeypatch):
    queued = []
    monkeypatch.setattr("sync.jobs.async_task", lambda func, *args, **kwargs: queued.append((func, args)))
    draft = use_sandbox(merchant_client)
    secrets = [draft.bigcommerce.access_token, draft.acumatica.password, draft.acumatica.client_secret]
    page = merchant_client.get("/onboarding/start/").content.decode()
    assert draft.bigcommerce.store_hash in page and "not set" not in page
    # Nothing secret travels to the browser or sits in the session unencrypted.
    raw_session = Session.objects.get(session_key=merchant_client.session.session_key).session_data
    assert all(secret not in page and secret not in raw_session for secret in secrets)

    values = {"action": "test", "name": "Sandbox Co", "store_hash": draft.bigcommerce.store_hash,
              "bc_client_id": draft.bigcommerce.client_id, "bc_api_base_url": draft.bigcommerce.api_base_url,
              "instance_url": draft.acumatica.instance_url, "endpoint_version": "21.200.001",
              "company": draft.acumatica.company, "auth_method": "oauth", "ac_client_id": draft.acumatica.client_id,
              "username": draft.acumatica.username}
    failed = merchant_client.post("/onboarding/start/", values)
    assert failed.status_code == 200 and "failed" in failed.content.decode(), failed.context["form"].errors
    assert not load_draft(merchant_client.session).tested

    passed = merchant_client.post("/onboarding/start/", {**values, "endpoint_version": "24.200.001"})
    assert passed.status_code == 302 and passed.url == "/onboarding/start/settings/"

    # The merchant's store keeps its own zone (set in its control panel): the settings step reads it, nobody types it.
    Store.objects.filter(store_hash=draft.bigcommerce.store_hash).update(time_zone="Australia/Adelaide")
    settings_page = merchant_client.get("/onboarding/start/settings/")
    form = settings_page.context["form"]
    assert form["method_testgateway"].initial == "CC" and form["refund_adjustment_item"].initial == "BCREFUND"
    assert form["time_zone"].initial == "Australia/Adelaide" and "unread-lists" not in settings_page.content.decode()
    assert ("11", "Awaiting Fulfillment (11)") in [(str(v), label) for v, label in form.fields["paid_status_ids"].choices]
    chosen = {name: form[name].value() for name in form.fields}
    chosen = {k: v for k, v in chosen.items() if v not in (None, False)}
    saved = merchant_client.post("/onboarding/start/settings/", chosen)
    assert saved.status_code == 302, saved.context["form"].errors
    tenant = Tenant.objects.get(name="Sandbox Co")
    assert saved.url == f"/onboarding/{tenant.slug}/start/"
    assert not tenant.active and tenant.payment_method_map["testgateway"] == "CC"
    assert tenant.time_zone == "Australia/Adelaide"
    assert tenant.cash_account_map == {"CC": "10250", "CASH": "10250", "STORECREDIT": "10250", "GIFTCERT": "10250"}
    assert tenant.bigcommerce.access_token == secrets[0] and tenant.acumatica.password == secrets[1]
    assert Membership.objects.get(tenant=tenant).user == merchant and SESSION_KEY not in merchant_client.session
    assert Instance.objects.get(slug=draft.sandbox["instance_slug"]).push_url.endswith(f"/{tenant.public_id}/")

    started = merchant_client.post(f"/onboarding/{tenant.slug}/start/go/")
    assert started.url == f"/dashboard/{tenant.slug}/"
    tenant.refresh_from_db()
    assert tenant.active
    # The first poll reads up to now (grace 0): the hooks are only being made, no webhook is coming for the
    # orders placed before the start.
    assert sorted(queued) == [("sync.jobs.check_webhooks_job", (tenant.pk,)),
                              ("sync.jobs.poll_orders_job", (tenant.pk, 0)), ("sync.jobs.push_catalog_job", (tenant.pk,))]


def test_a_failed_test_keeps_the_typed_secrets_for_the_same_destination_only(client, merchant, live_server):
    client.force_login(merchant)
    client.defaults["HTTP_HOST"] = live_server.url.split("//")[1]
    draft = use_sandbox(client)
    values = {"action": "test", "name": "Kept Co", "store_hash": draft.bigcommerce.store_hash,
              "bc_client_id": draft.bigcommerce.client_id, "bc_api_base_url": draft.bigcommerce.api_base_url,
              "instance_url": draft.acumatica.instance_url, "endpoint_version": "24.200.001",
              "company": draft.acumatica.company, "auth_method": "oauth", "ac_client_id": draft.acumatica.client_id,
              "username": draft.acumatica.username, "ac_password": "wrong-password"}
    with override_settings(DEBUG=True):
        failed = client.post("/onboarding/start/", values).content.decode()
        assert "rejected" in failed and "wrong-password" not in failed
        kept = load_draft(client.session)
        assert kept.acumatica.password == "wrong-password" and kept.bigcommerce.access_token
        # Another store: the token typed for the first one is not sent there; it must be typed again.
        moved = client.post("/onboarding/start/", {**values, "store_hash": "other1234", "ac_password": ""})
    assert "type this secret again" in " ".join(moved.context["form"].errors["bc_access_token"])


def test_only_an_owner_starts_a_tenant(client, make_tenant, merchant_of):
    tenant = make_tenant()
    Tenant.objects.filter(pk=tenant.pk).update(active=False)
    client.force_login(merchant_of(tenant, role=Membership.Role.OPERATOR))
    page = client.get(f"/onboarding/{tenant.slug}/start/").content.decode()
    assert "Only an owner" in page and "Start syncing" not in page
    assert client.post(f"/onboarding/{tenant.slug}/start/go/").status_code == 403
    client.force_login(merchant_of(make_tenant("other"), username="stranger"))
    assert client.post(f"/onboarding/{tenant.slug}/start/go/").status_code == 404
    tenant.refresh_from_db()
    assert not tenant.active


# -- the one-page form: Save after Test connection -------------------------------------------------------------

SECRET_INPUTS = {"bc_access_token": "", "bc_client_secret": "", "ac_client_secret": "", "ac_password": ""}


@responses.activate
def test_save_after_test_connection_takes_the_tested_secrets(client, merchant):
    client.force_login(merchant)
    responses.get(FORM_BC + "v2/orders", status=204)
    for path in ("v3/customers", "v3/catalog/products", "v3/hooks"):
        responses.get(FORM_BC + path, json={"data": [], "meta": {}})
    acumatica_answers()
    tested = client.post("/onboarding/new/", {**ONBOARDING, "action": "test"}).content.decode()
    assert "form-password-PLAINTEXT" not in tested and "kept on the server" in tested
    saved = client.post("/onboarding/new/", {**ONBOARDING, **SECRET_INPUTS, "action": "save"})
    assert saved.status_code == 302, saved.context["form"].errors
    tenant = Tenant.objects.get(name="Form Co")
    assert (tenant.bigcommerce.access_token, tenant.acumatica.password) == ("form-token-PLAINTEXT",
                                                                          "form-password-PLAINTEXT")


@responses.activate
def test_a_tested_secret_is_not_taken_for_another_destination(client, merchant):
    client.force_login(merchant)
    responses.get(FORM_BC + "v2/orders", status=401)
    acumatica_answers()
    client.post("/onboarding/new/", {**ONBOARDING, "action": "test"})
    moved = client.post("/onboarding/new/", {**ONBOARDING, **SECRET_INPUTS, "store_hash": "elsewhere1",
                                             "instance_url": "https://other.example.com", "action": "save"})
    errors = moved.context["form"].errors
    assert "bc_access_token" in errors and "ac_password" in errors and not Tenant.objects.exists()


# -- later: the settings against live lists, for owners ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_owner_changes_the_payment_settings_from_live_lists(client, merchant_of, live_server):
    tenant = connect_sandbox_tenant(live_server.url, slug="lists", store_hash="lists1234", instance_slug="lists",
                                    catalog=demo_catalog(count=2), cash_account_map={"CHECK": "10200"})
    client.force_login(merchant_of(tenant, role=Membership.Role.OPERATOR, username="operator"))
    assert client.get("/onboarding/lists/lists/").status_code == 403
    client.force_login(merchant_of(tenant, username="owner"))
    with override_settings(DEBUG=True):
        form = client.get("/onboarding/lists/lists/").context["form"]
        assert form["method_testgateway"].value() == "CC" and form["cash_testgateway"].value() == "10250"
        assert ("CHECK", "CHECK — Check") in form.fields["method_custom"].choices
        values = {name: form[name].value() for name in form.fields}
        values = {k: v for k, v in values.items() if v not in (None, False)}
        response = client.post("/onboarding/lists/lists/", {**values, "method_custom": "CASH", "cash_custom": "10200"})
    assert response.status_code == 302, response.context["form"].errors
    tenant.refresh_from_db()
    assert tenant.payment_method_map["custom"] == "CASH" and tenant.payment_method_map["testgateway"] == "CC"
    assert tenant.cash_account_map == {"CHECK": "10200", "CC": "10250", "CASH": "10200", "STORECREDIT": "10250",
                                       "GIFTCERT": "10250"}
