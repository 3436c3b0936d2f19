"""check_webhooks [<tenant> | --all]: run the BigCommerce webhook health check now (re-create missing hooks,
reactivate deactivated ones, fix wrong destinations or headers; poll orders after a repair)."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from sync.jobs import check_webhooks_job
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Check and repair the BigCommerce webhooks of one tenant, or of every active tenant with --all."

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", nargs="?", help="Tenant slug")
        parser.add_argument("--all", action="store_true", help="Every active tenant.")

    def handle(self, *args, tenant: str | None, all: bool, **options) -> None:
        if bool(tenant) == bool(all):
            raise CommandError("Name one tenant slug, or pass --all.")
        tenants = list(Tenant.objects.filter(active=True) if all else Tenant.objects.filter(slug=tenant))
        if not tenants:
            raise CommandError(f"No tenant with slug '{tenant}'." if tenant else "No active tenants.")
        failed = []
        for found in tenants:
            outcome = check_webhooks_job(found.pk)
            if outcome.startswith(("failed", "skipped")):
                failed.append(found.slug)
                self.stdout.write(self.style.ERROR(f"{found.slug}: {outcome}"))
                continue
            self.stdout.write(self.style.SUCCESS(f"{found.slug}: {outcome}"))
            for hook in self._last_actions(found):
                self.stdout.write(f"  {hook['scope']}: {hook['action']}")
        if failed:
            raise CommandError(f"The webhook check did not complete for: {', '.join(failed)}.")

    @staticmethod
    def _last_actions(tenant: Tenant) -> list[dict]:
        event = AuditEvent.objects.filter(tenant=tenant, action="webhook.checked").order_by("-created_at", "-id").first()
        return json.loads(event.response_body) if event and event.response_body else []
