"""Customer shapes of the corpus (issue #13): who the shopper on an order becomes in Acumatica."""
from audit.models import AuditEvent
from sandbox.acumatica import state
from sandbox.acumatica.documents import put_record
from sandbox.acumatica.models import Instance
from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Order, ShippingAddress
from tests.scenarios.harness import Expect, Shape

LONG_STREET = "Building 7, Floor 12, Unit 1204, 1600 Amphitheatre Parkway North"


def guest_order(store, **address) -> Order:
    """A paid guest order whose billing and shipping address carry `address` (v2 order keys)."""
    order = storefront.place_order(store, lines=[("SKU-00001", 1)])
    billing = {**order.billing_address, **address}
    Order.objects.filter(pk=order.pk).update(billing_address=billing)
    ShippingAddress.objects.filter(order=order).update(address=billing)
    order.refresh_from_db()
    return order


def customer_of(run) -> dict:
    return state.get(run.instance, "Customer", run.record.result["customer"])


def ship_to(run) -> dict:
    return run.docs().sales_orders[0]["ShipToAddress"]


def check_state_ids(run) -> None:
    assert customer_of(run)["MainContact"]["Address"]["State"] == "TX"
    assert ship_to(run)["State"] == "TX" and ship_to(run)["Country"] == "US"


def check_b2b(run) -> None:
    customer = customer_of(run)
    assert customer["CustomerID"] == f"BC{run.order.customer_id:08d}"
    assert customer["CustomerName"] == "Wholesale Ltd" and customer["MainContact"]["Attention"] == "Bo Buyer"


def check_matched(run) -> None:
    customer = customer_of(run)   # the seeded customer an accountant set up (sandbox/acumatica/seed.py)
    assert customer["CustomerName"] == "Katherine Johnson"
    assert customer["MainContact"]["Address"]["AddressLine1"] == "7 Orbit Ave"
    assert customer["MainContact"]["Address"]["State"] == "VA"


def registers_later(run) -> None:
    guest_id = run.record.result["customer"]
    shopper = storefront.create_customer(run.store, email="pat.kim@example.com", first_name="Pat", last_name="Kim")
    run.order = storefront.place_order(run.store, customer=shopper, lines=[("SKU-00002", 1)])
    assert run.sync().result["customer"] == guest_id


def check_long_street(run) -> None:
    for address in (ship_to(run), customer_of(run)["MainContact"]["Address"]):
        assert max(len(address["AddressLine1"]), len(address["AddressLine2"])) <= 50
        assert f"{address['AddressLine1']} {address['AddressLine2']}" == LONG_STREET


# BigCommerce allows 255 characters for each of first and last name; Acumatica's names hold 255 in all.
LONG_FIRST, LONG_LAST = "Maximiliana Theodora " * 7, "Vanderbilt-Montgomery " * 6


def check_long_name(run) -> None:
    """The customer is created with the name shortened and noted; the order stops, because its
    ship-to Attention would be cut (the warehouse ships to it)."""
    full = f"{LONG_FIRST.strip()} {LONG_LAST.strip()}"
    [customer] = [c for c in state.customers(run.instance)
                  if c.get("MainContact", {}).get("Email") == "long.name@example.com"]
    for value in (customer["CustomerName"], customer["MainContact"]["Attention"]):
        assert len(value) <= 255 and full.startswith(value)
    notes = AuditEvent.objects.filter(tenant=run.tenant, action="customer.value_shortened")
    assert any(full in event.message for event in notes)


def twins_in_acumatica(store) -> Order:
    instance = Instance.objects.get(slug=store.store_hash)
    for customer_id in ("TWINA", "TWINB"):
        put_record(instance, "Customer", {"CustomerID": customer_id, "CustomerName": customer_id,
                                          "MainContact": {"Email": "twins@example.com"}})
    return guest_order(store, email="Twins@Example.com")


def check_twins_named(run) -> None:
    assert "TWINA" in run.record.last_error and "TWINB" in run.record.last_error


SHAPES = [
    Shape("guest, state name on the addresses",
          place=lambda s: guest_order(s, email="tex@example.com", state="Texas"),
          expect=Expect(check=check_state_ids)),
    Shape("registered B2B customer",
          place=lambda s: storefront.place_order(s, customer=storefront.create_customer(
              s, email="bo@wholesale.example", first_name="Bo", last_name="Buyer", company="Wholesale Ltd")),
          expect=Expect(check=check_b2b)),
    Shape("registered with an e-mail Acumatica already has",
          place=lambda s: storefront.place_order(s, customer=storefront.create_customer(
              s, email="katherine@example.com", first_name="Kat", last_name="J", company="Orbit Co")),
          expect=Expect(check=check_matched)),
    Shape("guest who registers later, e-mail in another case",
          place=lambda s: guest_order(s, email="Pat.Kim@Example.com", first_name="Pat", last_name="Kim"),
          then=[registers_later]),
    Shape("street longer than an address line",
          place=lambda s: guest_order(s, email="long@example.com", street_1=LONG_STREET, street_2=""),
          expect=Expect(check=check_long_street)),
    Shape("state Acumatica has no ID for",
          place=lambda s: guest_order(s, email="nowhere@example.com", state="Atlantis"),
          expect=Expect(status="needs_attention", message="is not a state or province", sales_orders=0)),
    Shape("name longer than Acumatica's account name",
          place=lambda s: guest_order(s, email="long.name@example.com", first_name=LONG_FIRST.strip(),
                                      last_name=LONG_LAST.strip()),
          expect=Expect(status="needs_attention", message="ship-to: Attention", sales_orders=0,
                        check=check_long_name)),
    Shape("two Acumatica customers with the e-mail",
          place=twins_in_acumatica,
          expect=Expect(status="needs_attention", message="more than one Acumatica customer", sales_orders=0,
                        check=check_twins_named)),
]
