"""`make run`: migrate, make an admin, wire a demo tenant to the sandbox, start web + workers + traffic.

Everything runs as child processes of this command; Ctrl-C (or SIGTERM) stops them all.
"""
import os
import secrets
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run ml-connector locally with a sandbox store and Acumatica instance."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--no-traffic", action="store_true", help="Do not start the storefront traffic generator.")
        parser.add_argument("--orders-per-minute", type=float, default=6.0)

    def handle(self, *args, port: int, no_traffic: bool, orders_per_minute: float, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self._ensure_admin()
        base_url = f"http://127.0.0.1:{port}"
        if settings.SANDBOX_ENABLED:
            self._prepare_sandbox(base_url)
        children = self._start_children(port, no_traffic, orders_per_minute)
        try:
            if settings.SANDBOX_ENABLED:
                self._register_webhooks(base_url)
            self._wait_for_workers()
        except BaseException:
            self._stop(children)
            raise
        self.stdout.write(self.style.SUCCESS(f"ml-connector is running at {base_url}/admin/ (Ctrl-C to stop)"))
        if settings.SANDBOX_ENABLED:
            # A newcomer starts where a merchant would: the wizard, with "Use the sandbox".
            self.stdout.write(self.style.SUCCESS(f"Onboard a store: {base_url}/onboarding/start/ "
                                                 "(\"Use the sandbox\" makes a fresh store and instance)"))
        self._supervise(children)

    def _ensure_admin(self) -> None:
        username = os.environ.get("DEMO_ADMIN_USER", "admin")
        password = os.environ.get("DEMO_ADMIN_PASSWORD")
        users = get_user_model().objects
        if users.filter(username=username).exists() and not password:
            self.stdout.write(f"Admin user '{username}' exists; log in with its password "
                              "(or set DEMO_ADMIN_PASSWORD to reset it).")
            return
        password = password or secrets.token_urlsafe(9)
        user, _ = users.get_or_create(username=username, defaults={"is_staff": True, "is_superuser": True})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        # The demo's own throwaway login; printing it is the point (it is not an integration secret).
        self.stdout.write(self.style.WARNING(f"Admin login: {username} / {password}"))

    def _prepare_sandbox(self, base_url: str) -> None:
        from sandbox.demo import prepare_demo_tenant

        tenant = prepare_demo_tenant(base_url, stdout=self.stdout)
        self.stdout.write(f"Demo tenant '{tenant.slug}' is connected to the sandbox store and Acumatica instance.")

    def _register_webhooks(self, base_url: str) -> None:
        """Once the web server answers, subscribe the demo tenant to the sandbox store's webhooks."""
        import requests

        from sandbox.demo import DEMO_SLUG
        from sync.clients import bigcommerce_client
        from sync.webhook_registration import ensure_hooks
        from tenants.models import Tenant

        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base_url}/healthz", timeout=2)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise CommandError(f"The web server did not start at {base_url}.") from None
                time.sleep(0.3)
        tenant = Tenant.objects.select_related("bigcommerce").get(slug=DEMO_SLUG)
        with bigcommerce_client(tenant.bigcommerce) as bc:
            actions = ensure_hooks(tenant, bc, base_url=base_url)
        self.stdout.write(f"Webhooks: {', '.join(f'{a.scope} {a.action}' for a in actions)}")

    def _wait_for_workers(self, seconds: int = 60) -> None:
        """Until the task workers' first heartbeat, every tenant's health is red ("no task worker has ever
        reported"): the address is printed once they are alive, so the first look at a dashboard is green."""
        from sync.heartbeat import worker_status

        deadline = time.monotonic() + seconds
        while not (status := worker_status())["ok"] and time.monotonic() < deadline:
            time.sleep(0.5)
        self.stdout.write(f"Task workers: {status['detail']}")

    def _start_children(self, port: int, no_traffic: bool, orders_per_minute: float) -> list[subprocess.Popen]:
        manage = [sys.executable, "manage.py"]
        commands = [
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            [*manage, "qcluster"],
        ]
        if settings.SANDBOX_ENABLED and not no_traffic:
            commands += [[*manage, "sandbox_storefront", "--orders", "1000000", "--rate", str(orders_per_minute / 60)],
                         [*manage, "sandbox_erp_activity", "--every", "15"]]
        env = {**os.environ, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
        return [subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env) for cmd in commands]

    def _supervise(self, children: list[subprocess.Popen]) -> None:
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                dead = [c for c in children if c.poll() is not None]
                if dead:
                    raise CommandError(f"{' '.join(dead[0].args[1:3])} exited with {dead[0].returncode}")
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop(children)

    def _stop(self, children: list[subprocess.Popen]) -> None:
        # Last started, first stopped: traffic first, then the workers (they finish their task),
        # then the web server the workers were talking to.
        for child in reversed(children):
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("Stopped.")
