"""Changes sandbox Acumatica stock items now and then (price, cost, on-hand), and ships open sales orders,
like warehouse staff would.

Each change and each confirmed shipment also sends a push notification when the instance has a push URL, so
the demo shows catalog changes and shipments (with tracking numbers) flowing back to BigCommerce. Every other
shipment ships only part of a multi-line order, and every third one has two packages.
"""
import random
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Make random stock item changes in a sandbox Acumatica instance at a steady pace."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--instance", default="demo")
        parser.add_argument("--changes", type=int, default=0, help="Stop after this many (0: run until stopped).")
        parser.add_argument("--every", type=float, default=20.0, help="Seconds between changes.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-shipments", action="store_true", help="Only change stock items.")

    def handle(self, *args, instance: str, changes: int, every: float, seed: int, no_shipments: bool,
               **options) -> None:
        from sandbox.acumatica import state

        try:
            inst = state.instance(instance)
        except Exception:
            raise CommandError(f"No sandbox Acumatica instance '{instance}'; run sandbox_seed first.") from None
        rng, made = random.Random(seed), 0
        item_ids = [item["InventoryID"] for item in state.stock_items(inst)]
        while item_ids and (changes == 0 or made < changes):
            inventory_id = rng.choice(item_ids)
            price = round(rng.uniform(5, 200), 2)
            state.set_stock_item(inst, inventory_id, price=price, qty=rng.randrange(0, 150))
            made += 1
            self.stdout.write(f"{inventory_id}: price {price}")
            if not no_shipments:
                self.ship_one(inst, made)
            time.sleep(every)

    def ship_one(self, inst, turn: int) -> None:
        """Confirms a shipment for the oldest sales order that has something left to ship."""
        from sandbox.acumatica.shipments import open_to_ship, ship_order

        orders = open_to_ship(inst)
        if not orders:
            return
        order = orders[0]
        lines = [(order["Details"][0]["LineNbr"], None)] if turn % 2 and len(order["Details"]) > 1 else None
        tracking = tuple(f"1ZDEMO{turn:06d}{n}" for n in range(2 if turn % 3 == 0 else 1))
        shipment = ship_order(inst, order["OrderNbr"], lines=lines, tracking=tracking,
                              ship_via=("UPSGROUND", "FEDEX2DAY", "USPSPRIORITY")[turn % 3])
        self.stdout.write(f"Shipment {shipment.data['ShipmentNbr']} for sales order {order['OrderNbr']}: "
                          f"{', '.join(tracking)}")
