from decimal import Decimal

import pytest
from django.core.management import call_command

from sandbox.bigcommerce.models import Order, Refund, Store
from sandbox.bigcommerce.storefront import create_customer, place_order, refund, run_storefront, set_status
from tests.sandbox_bigcommerce_helpers import bc_api, bc_store, sandbox_db  # noqa: F401 (fixtures)

pytestmark = sandbox_db


def _adds_up(order: Order) -> bool:
    return (order.subtotal_ex_tax + order.shipping_cost_ex_tax + order.total_tax - order.discount_amount
            - order.coupon_discount) == order.total_inc_tax


def test_it_places_an_order_whose_totals_add_up(bc_store):
    customer = create_customer(bc_store, email="buyer@example.com")
    order = place_order(bc_store, customer=customer, lines=[("SKU-00001", 2), ("SKU-00005-BLUE", 1)],
                        shipping=Decimal("7.95"), discount=Decimal("3.00"), coupon="SAVE10")
    assert _adds_up(order)
    assert order.coupon_discount == (order.subtotal_ex_tax * Decimal("0.10")).quantize(Decimal("0.01"))
    assert (order.status_id, order.customer_id, order.lines.count()) == (11, customer.pk, 2)
    assert order.transactions.get().amount == order.total_inc_tax


@pytest.mark.e2e
def test_it_serves_a_placed_order_with_money_strings_and_rfc2822_dates(bc_api, bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 3)], shipping=Decimal("5"))
    data = bc_api.get(f"v2/orders/{order.pk}").json()
    assert data["total_inc_tax"] == f"{order.total_inc_tax:.4f}"
    assert (Decimal(data["subtotal_ex_tax"]) + Decimal(data["shipping_cost_ex_tax"]) + Decimal(data["total_tax"])
            - Decimal(data["discount_amount"]) - Decimal(data["coupon_discount"])) == Decimal(data["total_inc_tax"])
    assert data["date_created"].endswith("+0000") and "," in data["date_created"]
    assert (data["status_id"], data["status"], data["customer_id"]) == (11, "Awaiting Fulfillment", 0)
    products = bc_api.get(f"v2/orders/{order.pk}/products").json()
    assert [(p["sku"], p["quantity"]) for p in products] == [("SKU-00001", 3)]
    address = bc_api.get(f"v2/orders/{order.pk}/shipping_addresses").json()[0]
    assert address["cost_ex_tax"] == "5.0000" and products[0]["order_address_id"] == address["id"]


def test_it_refunds_partially_then_fully(bc_store):
    order = place_order(bc_store, lines=[("SKU-00001", 2)])
    line = order.lines.get()
    refund(order, items=[{"item_type": "PRODUCT", "item_id": line.pk, "quantity": 1}])
    assert Order.objects.get(pk=order.pk).status_id == 14
    refund(order)
    order.refresh_from_db()
    assert (order.status_id, order.refunded_amount) == (4, order.total_inc_tax)


def test_it_moves_statuses(bc_store):
    order = set_status(place_order(bc_store, paid=False), 2)
    assert (order.status_id, order.date_shipped is not None) == (2, True)


def test_it_drives_a_mix_of_traffic(bc_store):
    orders = run_storefront(bc_store, orders=30, seed=3)
    assert len(orders) == 30
    fresh = Order.objects.filter(pk__in=[o.pk for o in orders])
    assert all(_adds_up(o) for o in fresh)
    assert fresh.filter(customer__isnull=True).exists() and fresh.filter(customer__isnull=False).exists()
    assert fresh.filter(lines__variant__is_base=False).exists()
    assert fresh.filter(coupon_discount__gt=0).exists() and fresh.filter(status_id=1).exists()
    assert {4, 14} <= set(fresh.values_list("status_id", flat=True))
    assert Refund.objects.filter(order__in=fresh).count() >= 2


def test_it_is_repeatable_for_a_seed(bc_store):
    first = [(o.total_inc_tax, o.status_id) for o in run_storefront(bc_store, orders=5, seed=11)]
    second = [(o.total_inc_tax, o.status_id) for o in run_storefront(bc_store, orders=5, seed=11)]
    assert first == second


def test_the_commands_seed_and_drive_the_demo_store(capsys):
    call_command("sandbox_seed", "--no-schedule")
    store = Store.objects.get(store_hash="demo1234")
    assert store.products.count() == 303 and store.customers.count() == 5
    call_command("sandbox_storefront", "--orders", "3", "--seed", "1")
    assert store.orders.count() == 3
    assert "3 orders placed on demo1234" in capsys.readouterr().out
