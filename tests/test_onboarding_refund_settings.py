"""The refund settings a merchant chooses on the onboarding page (Settings part)."""
import pytest

from tenants.models import Tenant
from tests.test_secrets_at_rest import ONBOARDING


@pytest.fixture
def logged_in(client, merchant):
    client.force_login(merchant)
    return client


def test_the_merchant_chooses_how_refunds_are_posted(logged_in):
    logged_in.post("/onboarding/new/", ONBOARDING)
    tenant = Tenant.objects.get()
    page = logged_in.get(f"/onboarding/{tenant.slug}/").content.decode()
    assert "Offline refund payment method" in page and "Amount only, on the refund adjustment item" in page
    response = logged_in.post(f"/onboarding/{tenant.slug}/", {
        **ONBOARDING, "offline_refund_method": "CHECK", "refund_goods": "amount_only",
        "refund_adjustment_item": "RETURNFEE"})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.offline_refund_method, tenant.refund_goods, tenant.refund_adjustment_item) == (
        "CHECK", "amount_only", "RETURNFEE")


def test_it_refuses_an_unknown_goods_choice_on_the_field(logged_in):
    response = logged_in.post("/onboarding/new/", {**ONBOARDING, "refund_goods": "shred"})
    assert response.status_code == 200 and not Tenant.objects.exists()
    assert "Select a valid choice" in response.content.decode()
