"""Resets and seeds both simulators with the shared demo catalog."""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Reset and seed the sandbox BigCommerce store and Acumatica instance from the demo catalog."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--store-hash", default="demo1234")
        parser.add_argument("--instance", default="demo")
        parser.add_argument("--no-schedule", action="store_true",
                            help="do not create the django-q schedule that retries webhook deliveries")

    def handle(self, *args, **options) -> None:
        from sandbox.bigcommerce.seed import seed_store
        from sandbox.bigcommerce.webhooks import ensure_delivery_schedule

        store = seed_store(store_hash=options["store_hash"], local_receivers=True)
        if not options["no_schedule"]:
            ensure_delivery_schedule()
        self.stdout.write(f"BigCommerce store {store.store_hash}: {store.products.count()} products, "
                          f"{store.customers.count()} customers (token and client secret on the store row in admin)")
        try:
            from sandbox.acumatica.seed import seed_instance
        except ImportError:
            self.stdout.write("Acumatica simulator has no seed_instance yet; skipped")
            return
        seed_instance(slug=options["instance"])
        self.stdout.write(f"Acumatica instance {options['instance']} seeded")
