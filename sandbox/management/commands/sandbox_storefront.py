"""Drives shopper traffic against a sandbox store: customers, orders, payments, refunds."""
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Place orders (and payments, status moves, refunds) on a sandbox BigCommerce store."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--store-hash", default="demo1234")
        parser.add_argument("--orders", type=int, default=10)
        parser.add_argument("--rate", type=float, default=None, help="orders per second (default: as fast as possible)")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options) -> None:
        from sandbox.bigcommerce.models import Store
        from sandbox.bigcommerce.storefront import run_storefront

        store = Store.objects.filter(store_hash=options["store_hash"]).first()
        if store is None:
            raise CommandError(f"No sandbox store {options['store_hash']!r}; run sandbox_seed first")
        orders = run_storefront(store, orders=options["orders"], rate_per_sec=options["rate"], seed=options["seed"],
                                log=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"{len(orders)} orders placed on {store.store_hash}"))
