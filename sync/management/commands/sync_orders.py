"""sync_orders <tenant> [--since ISO-DATE] [--order ID ...]: queue orders for sync now."""
from datetime import datetime, timezone

from django.core.management.base import BaseCommand, CommandError

from sync.polling import poll_orders, queue_orders
from tenants.models import Tenant


def aware(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since must be an ISO date or date-time, e.g. 2026-11-01; got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Command(BaseCommand):
    help = "Queue BigCommerce orders modified since the tenant's cursor (or --since), or the given --order ids."

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", help="Tenant slug")
        parser.add_argument("--since", type=aware, help="Read orders modified since this time instead of the cursor.")
        parser.add_argument("--order", type=int, nargs="+", default=[], help="Queue these order ids.")

    def handle(self, *args, tenant: str, since: datetime | None, order: list[int], **options) -> None:
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No tenant with slug '{tenant}'.")
        if order:
            queued = queue_orders(found, order)
        else:
            queued = poll_orders(found.pk, since=since, progress=self.progress)
            self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Queued {queued} order(s) for {found.name}."))

    def progress(self, seen: int, queued: int) -> None:
        self.stdout.write(f"\r{seen} orders read, {queued} queued", ending="")
        self.stdout.flush()
