"""Changes sandbox Acumatica stock items now and then (price, cost, on-hand), like warehouse staff would.

Each change also sends a push notification when the instance has a push URL, so the demo shows
catalog changes flowing back to BigCommerce.
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

    def handle(self, *args, instance: str, changes: int, every: float, seed: int, **options) -> None:
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
            time.sleep(every)
