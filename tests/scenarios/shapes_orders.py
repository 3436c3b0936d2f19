"""Order shapes of the corpus (issue #11): how each BigCommerce order must land in Acumatica."""
from decimal import Decimal

from sandbox.bigcommerce import storefront
from sandbox.bigcommerce.models import Customer
from tests.scenarios.harness import Expect, Shape, expect_now, sync_after


def registered(store):
    return Customer.objects.filter(store=store).order_by("pk").first()


SHAPES = [
    Shape("guest order",
          place=lambda s: storefront.place_order(s, lines=[("SKU-00001", 2), ("SKU-00005-RED", 1)]),
          expect=Expect(payments=None)),
    Shape("coupon, registered customer",
          place=lambda s: storefront.place_order(s, customer=registered(s), lines=[("SKU-00002", 3)], coupon="SAVE10")),
    Shape("coupon and automatic discount",
          place=lambda s: storefront.place_order(s, lines=[("SKU-00002", 1), ("SKU-00003", 2)], coupon="WELCOME5",
                                                 discount=Decimal("5.00"))),
    Shape("free shipping",
          place=lambda s: storefront.place_order(s, lines=[("SKU-00004", 1)], shipping=Decimal("0")),
          expect=Expect(freight="0.00")),
    Shape("variant",
          place=lambda s: storefront.place_order(s, lines=[("SKU-00005-BLUE", 2), ("SKU-00005-RED", 1)])),
    Shape("mapped SKU",
          place=lambda s: storefront.place_order(s, lines=[("MUG-OLD-7", 1)]),
          expect=Expect(lines=[("MUG-0007", 1, "19.99")])),
    Shape("paid later",
          place=lambda s: storefront.place_order(s, lines=[("SKU-00003", 1)], paid=False),
          then=[expect_now(Expect(status="filtered", message="Pending (1)", sales_orders=0)),
                sync_after(storefront.capture_payment)]),
    Shape("cancelled before payment",
          place=lambda s: storefront.place_order(s, lines=[("SKU-00003", 1)], paid=False, status_id=5),
          expect=Expect(status="filtered", message="Cancelled (5)", sales_orders=0)),
    Shape("cancelled after sync",
          place=lambda s: storefront.place_order(s, lines=[("SKU-00001", 1)]),
          then=[sync_after(lambda order: storefront.set_status(order, 5))],
          expect=Expect(status="needs_attention", message="Nothing was deleted", invoices=1)),
    Shape("unknown SKU",
          place=lambda s: storefront.place_order(s, lines=[("SKU-00001", 1)]),
          tenant={"same_code_fallback": False},
          expect=Expect(status="needs_attention", message="SKU-00001", sales_orders=0)),
]
