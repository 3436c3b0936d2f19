"""A storefront for the simulated BigCommerce store: shoppers, orders, payments, refunds.

Everything here changes sandbox state the way a shopper or the merchant's control panel would, and
fires the same webhooks the real store fires. End-to-end tests and the demo use these:

- ``create_customer(store, email=None, first_name="Ada", last_name="Lovelace", **fields) -> Customer``
  (fires ``store/customer/created``); ``update_customer(customer, **fields)`` fires ``/updated`` for
  changes to the customer itself. Address changes fire ``store/customer/address/created``,
  ``/updated`` or ``/deleted`` instead, as the real store does (``store/customer/updated`` does not
  fire for them): ``add_address(customer, **fields) -> dict``, ``update_address(customer,
  address_id, **fields)``, ``delete_address(customer, address_id)``, or ``update_customer(customer,
  addresses=[...])`` (entries with an ``id`` update that address, without one are added, missing
  ones are deleted). Stored addresses use v2 order keys (street_1, zip, state, country_iso2) and
  carry a store-wide unique ``id``.
- ``place_order(store, customer=None, lines=[("SKU-00001", 2)], paid=True, shipping=Decimal("10.00"),
  discount=Decimal("0"), coupon=None, status_id=None, *, pay_with=None, fees=(), tax_inclusive=False,
  currency=None, display_currency=None, rate=1, channel_id=1, ship_to=None, test_payment=False,
  created=None) -> Order``: ``customer=None`` is a guest order; each line is ``(sku, quantity)``
  where the SKU is a simple product's SKU or a variant SKU, ``(sku, quantity, unit_price)`` for a
  price of up to four decimals, or ``("", quantity, unit_price, name)`` for a custom product without
  a SKU; ``coupon`` is a key of ``COUPONS`` (a percentage off the products, shown on each line as
  ``applied_discounts``); ``discount`` is an order-level discount BigCommerce does not allocate.
  ``paid="authorize"`` only authorizes; ``pay_with=[("giftcertificate", Decimal("20")),
  ("testgateway", None)]`` splits the payment (None: the rest). ``fees=[("Eco fee", Decimal("2.50"))]``
  adds order fees (``include=fees``); ``tax_inclusive`` makes prices and shipping include tax;
  ``currency``/``rate`` set the transactional currency and its rate from the store's default,
  ``display_currency`` the display one; ``ship_to`` several addresses (consignments);
  ``test_payment`` marks the transactions as test ones. Totals add up exactly:
  ``subtotal_ex_tax + shipping_cost_ex_tax + total_tax - discount_amount - coupon_discount ==
  total_inc_tax`` (tax is charged per line and on shipping, before discounts). ``paid=True``
  captures the payment and moves it to Awaiting Fulfillment (11); otherwise it stays Pending (1)
  unless ``status_id`` says otherwise. Fires ``store/order/created`` (and the payment's events).
  Placing the order takes its units out of the store's inventory (``api_catalog.take_stock``).
- ``capture_payment(order, amount=None, gateway=None) -> Transaction``: a successful ``capture`` of an
  authorization (what is left of it, or ``amount``), else a ``purchase`` of the balance; status 11
  once fully paid (fires ``store/order/transaction/created`` and the status events).
  ``authorize_payment(order)`` authorizes the balance (status 11, nothing captured).
- ``set_status(order, status_id) -> Order`` (fires ``store/order/statusUpdated`` and ``/updated``).
- ``refund(order, amount=None, items=None, reason="", to="original") -> Refund``: ``items`` as in the API
  (``[{"item_type": "PRODUCT", "item_id": <order product id>, "quantity": 1}]``), or an ``amount``
  refunded as an ORDER-level item; neither means the whole remaining balance. ``to`` picks the quoted
  refund method: "original", "storecredit", "offline" or "split". Goes through the same quote rules
  and per-order lock as ``POST /v3/orders/{id}/payment_actions/refunds``; gateway refunds settle as the
  store's ``refund_settlement`` says ("immediate", "pending", "declined").
- ``settle_refunds(order, approve=True)`` answers pending gateway refunds (paid out or declined).
- ``pay_with_store_credit(order, store_credit)`` pays an unpaid order with store credit and the card.
- ``ship(order, quantities=None)`` ships lines (``quantity_shipped``); status 2 or 3.
- ``run_storefront(store, orders=10, rate_per_sec=None, seed=0, log=None) -> list[Order]``: a traffic
  mix of registered and guest shoppers, multi-line orders with variants, shipping, tax, discounts and
  coupons, captured payments, status moves and partial and full refunds; ``rate_per_sec`` paces it.

Webhooks go out from a daemon thread once the change commits; in a test, call
``sandbox.bigcommerce.webhooks.wait_for_deliveries()`` before asserting on what a receiver got (or
``deliver_due()`` directly where no commit happens, e.g. under the plain ``db`` fixture).
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import refunds, webhooks
from .api_catalog import take_stock
from .models import Customer, Order, OrderProduct, Refund, ShippingAddress, Store, Transaction, Variant

CENT = Decimal("0.01")
PRICE = Decimal("0.0001")  # BigCommerce keeps prices to four decimals
COUPONS = {"SAVE10": Decimal("0.10"), "WELCOME5": Decimal("0.05")}
DEMO_ADDRESS = {"first_name": "Ada", "last_name": "Lovelace", "company": "", "street_1": "1 Main Street",
                "street_2": "", "city": "Austin", "state": "Texas", "zip": "78701", "country": "United States",
                "country_iso2": "US", "phone": "555-0100", "email": ""}


def create_customer(store: Store, email: str | None = None, first_name: str = "Ada", last_name: str = "Lovelace",
                    **fields: Any) -> Customer:
    email = email or f"shopper{Customer.objects.count() + 1}-{random.randrange(10**6)}@example.com"
    address = {**DEMO_ADDRESS, "first_name": first_name, "last_name": last_name, "email": email}
    addresses = fields.pop("addresses", [address])
    first_id = _next_address_id(store)
    addresses = [{**a, "id": first_id + n} for n, a in enumerate(addresses)]
    customer = Customer.objects.create(store=store, email=email, first_name=first_name, last_name=last_name,
                                       addresses=addresses, **fields)
    webhooks.emit(store, "store/customer/created", {"type": "customer", "id": customer.pk})
    return customer


def update_customer(customer: Customer, **fields: Any) -> Customer:
    addresses = fields.pop("addresses", None)
    if fields:
        for name, value in fields.items():
            setattr(customer, name, value)
        customer.date_modified = timezone.now()
        customer.save()
        webhooks.emit(customer.store, "store/customer/updated", {"type": "customer", "id": customer.pk})
    if addresses is not None:
        _replace_addresses(customer, addresses)
    return customer


def _next_address_id(store: Store) -> int:
    # Address ids are unique in the store, like the real ones (a webhook names the address by id).
    ids = [a.get("id") or 0 for book in store.customers.values_list("addresses", flat=True) for a in book or []]
    return max(ids, default=0) + 1


def _address_event(customer: Customer, action: str, address_id: int) -> None:
    # Reference: reference/bigcommerce-api.md §1.2 (store/customer/address/*: {type, id: <address id>,
    # address: {customer_id}}).
    webhooks.emit(customer.store, f"store/customer/address/{action}",
                  {"type": "customer", "id": address_id, "address": {"customer_id": customer.pk}})


def _save_addresses(customer: Customer, addresses: list[dict]) -> None:
    customer.addresses = addresses
    customer.date_modified = timezone.now()
    customer.save(update_fields=["addresses", "date_modified"])


def add_address(customer: Customer, **fields: Any) -> dict:
    address = {**DEMO_ADDRESS, "first_name": customer.first_name, "last_name": customer.last_name,
               "email": customer.email, **fields, "id": _next_address_id(customer.store)}
    _save_addresses(customer, [*customer.addresses, address])
    _address_event(customer, "created", address["id"])
    return address


def update_address(customer: Customer, address_id: int, **fields: Any) -> dict:
    addresses = [dict(a) for a in customer.addresses]
    address = next((a for a in addresses if a.get("id") == address_id), None)
    if address is None:
        raise ValueError(f"Customer {customer.pk} has no address {address_id}")
    address.update(fields)
    _save_addresses(customer, addresses)
    _address_event(customer, "updated", address_id)
    return address


def delete_address(customer: Customer, address_id: int) -> None:
    _save_addresses(customer, [a for a in customer.addresses if a.get("id") != address_id])
    _address_event(customer, "deleted", address_id)


def _replace_addresses(customer: Customer, addresses: list[dict]) -> None:
    kept = {a["id"] for a in addresses if a.get("id")}
    for old in list(customer.addresses):
        if old.get("id") not in kept:
            delete_address(customer, old.get("id"))
    for address in addresses:
        if address.get("id"):
            update_address(customer, address["id"], **{k: v for k, v in address.items() if k != "id"})
        else:
            add_address(customer, **address)


def _variant(store: Store, sku: str) -> Variant:
    variant = Variant.objects.select_related("product").filter(product__store=store, sku=sku).first()
    if variant is None:
        raise ValueError(f"No product or variant with SKU {sku!r} in store {store.store_hash}")
    return variant


def _add_line(order: Order, line: tuple) -> OrderProduct:
    """`(sku, quantity)` at the catalog price, `(sku, quantity, unit_price)` at a price of up to four
    decimals, or `("", quantity, unit_price, name)` for a custom product without a SKU."""
    sku, quantity = line[0], line[1]
    variant = _variant(order.store, sku) if sku else None
    price = Decimal(str(line[2])) if len(line) > 2 else variant.calculated_price.quantize(CENT)
    name = line[3] if len(line) > 3 else (variant.product.name if variant else "Custom product")
    tax_rate = order.store.tax_rate
    if order.tax_inclusive:  # the shopper's price includes tax; BigCommerce derives the ex-tax figures
        gross = price
        price = (gross / (1 + tax_rate)).quantize(PRICE)
        price_tax, total_tax = gross - price, (gross - price) * quantity
    else:
        price_tax, total_tax = (price * tax_rate).quantize(CENT), (price * quantity * tax_rate).quantize(CENT)
    options = [{"display_name": ov.get("option_display_name", ""), "display_value": ov.get("label", "")}
               for ov in (variant.option_values if variant else [])]
    return OrderProduct.objects.create(
        order=order, product=variant.product if variant else None, variant=variant, name=name, sku=sku,
        quantity=quantity, base_price=price, price_tax=price_tax, total_tax=total_tax,
        weight=(variant.weight or variant.product.weight) if variant else Decimal("0"), product_options=options,
        type=variant.product.type if variant else "physical")


def _billing(customer: Customer | None) -> dict[str, Any]:
    if customer is None:
        return {**DEMO_ADDRESS, "first_name": "Guest", "last_name": "Shopper", "email": "guest@example.com"}
    return {**DEMO_ADDRESS, "first_name": customer.first_name, "last_name": customer.last_name,
            "email": customer.email}


@transaction.atomic
def place_order(store: Store, customer: Customer | None = None, lines: list[tuple] | None = None,
                paid: bool | str = True, shipping: Decimal = Decimal("10.00"), discount: Decimal = Decimal("0"),
                coupon: str | None = None, status_id: int | None = None, *, pay_with: list[tuple] | None = None,
                fees: list[tuple[str, Decimal]] = (), tax_inclusive: bool = False, currency: str | None = None,
                display_currency: str | None = None, rate: Decimal = Decimal("1"), channel_id: int = 1,
                ship_to: list[dict] | None = None, test_payment: bool = False,
                created: datetime | None = None) -> Order:
    lines = lines or [("SKU-00001", 1)]
    billing = _billing(customer)
    transactional = currency or store.currency_code
    order = Order.objects.create(store=store, customer=customer, status_id=status_id or 1, billing_address=billing,
                                 currency_code=display_currency or transactional,
                                 transactional_currency_code=transactional, transactional_rate=rate,
                                 payment_status="pending", tax_inclusive=tax_inclusive, channel_id=channel_id,
                                 fees=[_fee(n, name, amount, store.tax_rate) for n, (name, amount) in enumerate(fees, 1)],
                                 **({"date_created": created, "date_modified": created} if created else {}))
    made = [_add_line(order, line) for line in lines]
    take_stock([(line.variant, line.quantity) for line in made if line.variant is not None])
    _set_totals(order, made, Decimal(shipping), Decimal(discount), coupon)
    for n, address in enumerate(ship_to or [billing]):
        # Several addresses (consignments): the sandbox charges the order's shipping on the first.
        ShippingAddress.objects.create(order=order, address={**billing, **address},
                                       cost_ex_tax=order.shipping_cost_ex_tax if n == 0 else Decimal("0"),
                                       cost_tax=order.shipping_cost_tax if n == 0 else Decimal("0"))
    webhooks.emit(store, "store/order/created", {"type": "order", "id": order.pk})
    if paid == "authorize":
        authorize_payment(order, test=test_payment)
    elif paid:
        for gateway, amount in pay_with or [(order.payment_provider, None)]:
            capture_payment(order, amount=amount, gateway=gateway, test=test_payment)
    return order


def _fee(number: int, name: str, amount: Decimal, tax_rate: Decimal) -> dict[str, Any]:
    # Reference: specs/bigcommerce/orders.v2.oas2.yml order fees (include=fees).
    amount = Decimal(str(amount))
    tax = (amount * tax_rate).quantize(CENT)
    return {"id": number, "type": "custom_fee", "display_name_customer": name, "display_name_merchant": name,
            "source": "AA", "base_cost": str(amount), "cost_ex_tax": str(amount), "cost_inc_tax": str(amount + tax),
            "cost_tax": str(tax), "tax_class_id": 0}


def _set_totals(order: Order, lines: list[OrderProduct], shipping: Decimal, discount: Decimal,
                coupon: str | None) -> None:
    order.subtotal_ex_tax = sum((line.total_ex_tax for line in lines), Decimal("0"))
    order.subtotal_tax = sum((line.total_tax for line in lines), Decimal("0"))
    if order.tax_inclusive:
        order.shipping_cost_ex_tax = (shipping / (1 + order.store.tax_rate)).quantize(PRICE)
        order.shipping_cost_tax = shipping - order.shipping_cost_ex_tax
    else:
        order.shipping_cost_ex_tax = shipping.quantize(CENT)
        order.shipping_cost_tax = (shipping * order.store.tax_rate).quantize(CENT)
    order.discount_amount = discount.quantize(CENT)
    if coupon:
        order.coupon_code = coupon
        order.coupon_discount = (order.subtotal_ex_tax * COUPONS[coupon]).quantize(CENT)
        _allocate_coupon(lines, coupon, order.coupon_discount, order.subtotal_ex_tax)
    order.save()


def _allocate_coupon(lines: list[OrderProduct], code: str, amount: Decimal, products: Decimal) -> None:
    """BigCommerce shows a coupon's share on each line (`applied_discounts`), in proportion to its price."""
    # Reference: specs/bigcommerce/orders.v2.oas2.yml orderProductAppliedDiscounts.
    shares = [(amount * line.total_ex_tax / products).quantize(CENT) for line in lines]
    shares[-1] += amount - sum(shares, Decimal("0"))
    for line, share in zip(lines, shares):
        line.applied_discounts = [{"id": "coupon", "amount": str(share), "name": code, "code": code,
                                   "target": "product"}]
        line.save(update_fields=["applied_discounts"])


GATEWAY_METHODS = {"giftcertificate": "gift_certificate", "storecredit": "store_credit"}


def authorize_payment(order: Order, test: bool = False) -> Transaction:
    """An authorization for the balance (money held, not taken); the order awaits fulfillment (11)."""
    order.refresh_from_db()
    tx = Transaction.objects.create(order=order, event="authorization",
                                    amount=order.total_inc_tax.quantize(CENT, rounding=ROUND_HALF_UP),
                                    currency=order.transactional_currency_code or order.currency_code,
                                    gateway=order.payment_provider, test=test)
    Order.objects.filter(pk=order.pk).update(payment_status="authorized")
    webhooks.emit(order.store, "store/order/transaction/created", refunds.transaction_event_data(tx))
    set_status(order, 11)
    return tx


def capture_payment(order: Order, amount: Decimal | None = None, gateway: str | None = None,
                    test: bool = False) -> Transaction:
    """Money taken: a `capture` of an authorization (all of what is left of it, or `amount`), else a
    `purchase` of `amount` or the whole balance via `gateway` (giftcertificate and storecredit too).
    Once the order is fully paid it awaits fulfillment (11)."""
    order.refresh_from_db()
    authorized = sum((t.amount for t in order.transactions.filter(event="authorization", status="ok")), Decimal("0"))
    taken = sum((t.amount for t in order.transactions.filter(event__in=["capture", "purchase"], status="ok")),
                Decimal("0"))
    event = "capture" if authorized else "purchase"
    balance = (authorized - taken) if authorized else (order.total_inc_tax - order.refunded_amount - taken)
    gateway = gateway or order.payment_provider
    tx = Transaction.objects.create(order=order, event=event,
                                    amount=Decimal(amount or balance).quantize(CENT, rounding=ROUND_HALF_UP),
                                    currency=order.transactional_currency_code or order.currency_code,
                                    gateway=gateway, method=GATEWAY_METHODS.get(gateway, "credit_card"),
                                    test=test)
    fully = taken + tx.amount >= order.total_inc_tax.quantize(CENT, rounding=ROUND_HALF_UP)
    Order.objects.filter(pk=order.pk).update(payment_status="captured" if fully else "partially captured")
    webhooks.emit(order.store, "store/order/transaction/created", refunds.transaction_event_data(tx))
    if fully and order.status_id != 11:
        set_status(order, 11)
    return tx


def set_status(order: Order, status_id: int) -> Order:
    order.refresh_from_db()
    previous = order.status_id
    order.status_id = status_id
    order.date_modified = timezone.now()
    if status_id in (2, 10) and order.date_shipped is None:
        order.date_shipped = order.date_modified
    order.save(update_fields=["status_id", "date_modified", "date_shipped"])
    data = {"type": "order", "id": order.pk, "status": {"previous_status_id": previous, "new_status_id": status_id}}
    webhooks.emit(order.store, "store/order/statusUpdated", data)
    webhooks.emit(order.store, "store/order/updated", {"type": "order", "id": order.pk})
    return order


def refund(order: Order, amount: Decimal | None = None, items: list[dict[str, Any]] | None = None,
           reason: str = "", to: str = "original") -> Refund:
    order.refresh_from_db()
    if items is None:
        remaining = (order.total_inc_tax - order.refunded_amount).quantize(CENT)
        items = [{"item_type": "ORDER", "item_id": order.pk, "amount": float(amount if amount is not None else remaining)}]
    result = refunds.quote(order, items)
    method = _refund_method(refunds.refund_methods(order, result.total), to)
    payments = [{"provider_id": o["provider_id"], "amount": o["amount"], "offline": o["offline"]} for o in method]
    return refunds.create_refund(order, items, payments, reason)


def _refund_method(methods: list[list[dict[str, Any]]], to: str) -> list[dict[str, Any]]:
    """The quoted refund method for `to`: "original" (the first, as the control panel preselects),
    "storecredit", "offline" or "split" (store credit and card, for orders paid with both)."""
    for method in methods:
        providers = {o["provider_id"] for o in method}
        if (to == "original" or (to == "split" and len(method) > 1)
                or (to == "storecredit" and providers == {"storecredit"})
                or (to == "offline" and all(o["offline"] for o in method))):
            return method
    raise ValueError(f"The quote offers no {to!r} refund method: {methods}")


def settle_refunds(order: Order, approve: bool = True) -> list[Refund]:
    """The gateway answers the order's pending refunds (stores with ``refund_settlement="pending"``):
    paid out, or declined. Fires ``store/order/transaction/created`` and ``/updated``."""
    return refunds.settle_pending(order, approve)


def pay_with_store_credit(order: Order, store_credit: Decimal) -> list[Transaction]:
    """Pays an unpaid order of a registered shopper with ``store_credit`` and the card for the rest."""
    order.refresh_from_db()
    credit = Decimal(store_credit).quantize(CENT)
    made = [Transaction.objects.create(order=order, event="purchase", method="store_credit", gateway="storecredit",
                                       amount=credit, currency=order.currency_code),
            Transaction.objects.create(order=order, event="purchase", amount=(order.total_inc_tax - credit).quantize(CENT),
                                       currency=order.currency_code, gateway=order.payment_provider)]
    Order.objects.filter(pk=order.pk).update(payment_status="captured")
    for tx in made:
        webhooks.emit(order.store, "store/order/transaction/created", refunds.transaction_event_data(tx))
    set_status(order, 11)
    return made


def ship(order: Order, quantities: dict[int, int] | None = None) -> Order:
    """Ships order lines (``{order product id: quantity}``; None ships everything): status 3 or 2."""
    lines = list(order.lines.all())
    for line in lines:
        line.quantity_shipped = min(line.quantity, line.quantity_shipped + (
            (quantities or {}).get(line.pk, 0) if quantities is not None else line.quantity))
        line.save(update_fields=["quantity_shipped"])
    return set_status(order, 2 if all(line.quantity_shipped >= line.quantity for line in lines) else 3)


# --- the traffic driver -----------------------------------------------------------------------

def _random_lines(rng: random.Random, skus: list[str]) -> list[tuple[str, int]]:
    return [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, 4))]


def _one_order(store: Store, rng: random.Random, skus: list[str], customers: list[Customer]) -> Order:
    customer = rng.choice(customers) if customers and rng.random() < 0.7 else None
    coupon = rng.choice([None, None, *COUPONS])
    discount = rng.choice([Decimal("0"), Decimal("0"), Decimal("5.00")])
    order = place_order(store, customer, _random_lines(rng, skus), paid=rng.random() < 0.85,
                        shipping=Decimal(rng.choice(["0", "5.99", "10.00", "24.50"])), discount=discount,
                        coupon=coupon)
    _after_sale(order, rng)
    return order


def _after_sale(order: Order, rng: random.Random) -> None:
    if order.status_id != 11:
        return
    roll = rng.random()
    if roll < 0.15:
        line = order.lines.first()
        refund(order, items=[{"item_type": "PRODUCT", "item_id": line.pk, "quantity": 1}], reason="Damaged")
    elif roll < 0.22:
        refund(order, reason="Cancelled by shopper")
    elif roll < 0.5:
        set_status(order, rng.choice([2, 10]))


def run_storefront(store: Store, orders: int = 10, rate_per_sec: float | None = None, seed: int = 0,
                   log: Callable[[str], None] | None = None) -> list[Order]:
    rng = random.Random(seed)
    skus = list(Variant.objects.filter(product__store=store).values_list("sku", flat=True))
    if not skus:
        raise ValueError(f"Store {store.store_hash} has no catalog; run sandbox_seed first")
    customers = list(store.customers.all()[:50]) or [create_customer(store)]
    placed = []
    for n in range(orders):
        if rng.random() < 0.1:
            customers.append(create_customer(store, email=f"new{seed}-{n}-{rng.randrange(10**6)}@example.com"))
        placed.append(_one_order(store, rng, skus, customers))
        if log:
            log(f"order {placed[-1].pk}: {placed[-1].status} total {placed[-1].total_inc_tax:.2f}")
        if rate_per_sec:
            time.sleep(1 / rate_per_sec)
    return placed
