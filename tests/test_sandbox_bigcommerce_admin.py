import pytest
from django.urls import reverse

from sandbox.bigcommerce.models import Delivery, Hook
from sandbox.bigcommerce.seed import seed_store
from sandbox.bigcommerce.storefront import place_order
from sandbox.catalog_data import demo_catalog

MODELS = ["store", "product", "variant", "customer", "order", "refund", "hook", "delivery"]


@pytest.fixture
def populated(db):
    store = seed_store("admin123", catalog=demo_catalog(count=5))
    hook = Hook.objects.create(store=store, scope="store/order/*", destination="https://example.com/h")
    order = place_order(store, lines=[("SKU-00001", 1)])
    Delivery.objects.create(hook=hook, message_id="msg_1", scope="store/order/created", body="{}")
    return store, order


def test_it_lists_sandbox_rows_in_the_admin(admin_client, populated):
    codes = {m: admin_client.get(reverse(f"admin:sandbox_bigcommerce_{m}_changelist")).status_code for m in MODELS}
    assert codes == {m: 200 for m in MODELS}


def test_it_shows_the_fault_settings_of_a_store(admin_client, populated):
    store, _ = populated
    response = admin_client.get(reverse("admin:sandbox_bigcommerce_store_change", args=[store.pk]))
    assert b"fault_500_share" in response.content and b"rate_limit_quota" in response.content


def test_it_shows_an_order_with_its_lines(admin_client, populated):
    _, order = populated
    response = admin_client.get(reverse("admin:sandbox_bigcommerce_order_change", args=[order.pk]))
    assert b"SKU-00001" in response.content
