"""push_catalog <tenant> [--full] [--sku SKU ...]: push Acumatica price, cost and stock to BigCommerce now."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from audit.models import Source
from sync.catalog import Summary, push_catalog
from sync.http import ApiError
from sync.inventory_ids import inventory_ids_for
from tenants.models import Tenant

BAR_WIDTH = 30


class Command(BaseCommand):
    help = ("Push what changed in Acumatica since the last run (or everything with --full, or only the given "
            "SKUs) to BigCommerce.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", help="Tenant slug")
        parser.add_argument("--full", action="store_true",
                            help="Read every item and compare it with what was last pushed (reconciliation).")
        parser.add_argument("--sku", nargs="+", default=[], help="Push only these BigCommerce SKUs.")

    def handle(self, *args, tenant: str, full: bool, sku: list[str], **options) -> None:
        found = Tenant.objects.select_related("bigcommerce", "acumatica").filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No tenant with slug '{tenant}'.")
        if not found.sync_catalog:
            raise CommandError(f"Catalog sync is switched off for {found.name}.")
        inventory_ids = self._inventory_ids(found, sku)
        self.total = len(inventory_ids) or None
        self.started = time.monotonic()
        try:
            summary = push_catalog(found, full=full, inventory_ids=inventory_ids or None, source=Source.MANUAL,
                                   progress=self.progress)
        except ApiError as error:  # the run stopped before its chunk was pushed; the cursors did not move
            self.stdout.write("")
            raise CommandError(f"The catalog push stopped: {error}") from None
        self.stdout.write("")
        if summary.busy:
            raise CommandError(f"A catalog push for {found.name} is already running; try again when it ends.")
        self.stdout.write(self.style.SUCCESS(
            f"{summary.read} item(s) read, {summary.changed} changed: {summary.succeeded} pushed, "
            f"{summary.failed} failed, {summary.not_found} not in BigCommerce."))

    def _inventory_ids(self, tenant: Tenant, skus: list[str]) -> list[str]:
        if not skus:
            return []
        found = inventory_ids_for(tenant, skus)
        missing = [s for s in skus if s not in found]
        if missing:
            raise CommandError(f"No InventoryID for SKU(s) {', '.join(missing)}: add SKU mappings first.")
        return list(found.values())

    def progress(self, summary: Summary) -> None:
        """A one-line bar when the total is known (--sku), else a running count with the rate."""
        elapsed = max(time.monotonic() - self.started, 0.001)
        rate = f"{summary.read / elapsed:.0f} items/s"
        if self.total:
            done = min(summary.read, self.total)
            filled = round(BAR_WIDTH * done / self.total)
            line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{self.total}"
        else:
            line = f"{summary.read} items read"
        self.stdout.write(f"\r{line}, {summary.changed} changed, {summary.failed} failed ({rate})", ending="")
        self.stdout.flush()
