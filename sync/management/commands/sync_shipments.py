"""sync_shipments <tenant> [--since ISO-DATE] [--shipment NBR ...]: queue Acumatica shipments for BigCommerce now."""
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from sync.management.commands.sync_orders import aware
from sync.shipments_poll import poll_shipments, queue_shipments
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Queue Acumatica shipments modified since the tenant's cursor (or --since), or the given --shipment numbers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", help="Tenant slug")
        parser.add_argument("--since", type=aware, help="Read shipments modified since this time instead of the cursor.")
        parser.add_argument("--shipment", nargs="+", default=[], help="Queue these shipment numbers.")

    def handle(self, *args, tenant: str, since: datetime | None, shipment: list[str], **options) -> None:
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No tenant with slug '{tenant}'.")
        queued = queue_shipments(found, shipment) if shipment else poll_shipments(found.pk, since=since)
        self.stdout.write(self.style.SUCCESS(f"Queued {queued} shipment(s) for {found.name}."))
