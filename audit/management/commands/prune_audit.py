"""Retention: blank the bodies of audit events older than N days, keeping who/what/when/status."""
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.models import AuditEvent


class Command(BaseCommand):
    help = "Drops request/response bodies and headers of audit events older than --days (metadata stays)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, required=True, help="Keep bodies of the last N days.")

    def handle(self, *args, days: int, **options) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1.")
        cutoff = timezone.now() - timedelta(days=days)
        count = AuditEvent.objects.filter(created_at__lt=cutoff).prune_bodies()
        self.stdout.write(f"Pruned the bodies of {count} audit event(s) older than {days} day(s).")
