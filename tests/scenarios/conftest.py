"""Fixtures of the scenario corpus: one live server for the session, and per test module one tenant per
endpoint version (its own sandbox store and Acumatica instance), so shapes share all setup.

The tenants live in committed rows (no per-test transaction or flush, which costs seconds on
PostgreSQL); the database is flushed once when the module is done, as a transactional test would.
"""
import pytest
from django.core.management import call_command
from django.test import override_settings

from sandbox.acumatica.documents import put_record
from sandbox.acumatica.models import Instance
from sandbox.bigcommerce.models import Store
from sandbox.catalog_data import demo_catalog
from sandbox.demo import connect_sandbox_tenant
from tests.scenarios.harness import VERSIONS, Shape, run_shape
from tests.session_server import session_live_server


@pytest.fixture(scope="session")
def scenario_server(django_db_setup, django_db_blocker):
    with session_live_server(django_db_blocker) as server:
        yield server


# Non-stock items shapes can point tenant settings at (no_sku_item, fee_item).
NON_STOCK_ITEMS = {"BCNOSKU": "Lines without a SKU", "BCFEE": "Order fees"}


class Corpus:
    def __init__(self, url: str) -> None:
        self.url = url
        self.tenants = {}

    def setup(self) -> None:
        for version in VERSIONS:
            tag = version.split(".")[0]
            tenant = connect_sandbox_tenant(self.url, slug=f"corpus{tag}", store_hash=f"corpus{tag}",
                                            instance_slug=f"corpus{tag}", endpoint_version=version,
                                            catalog=demo_catalog(count=10), name=f"Corpus {version}")
            Store.objects.filter(store_hash=f"corpus{tag}").update(rate_limit_quota=100_000)
            Instance.objects.filter(slug=f"corpus{tag}").update(versions=list(VERSIONS), max_sessions=0)
            instance = Instance.objects.get(slug=f"corpus{tag}")
            for item, description in NON_STOCK_ITEMS.items():
                put_record(instance, "NonStockItem", {"InventoryID": item, "Description": description,
                                                      "DefaultPrice": "0"})
            self.tenants[version] = tenant

    def run(self, shape: Shape, version: str):
        tenant = self.tenants[version]
        tenant.refresh_from_db()
        store = Store.objects.get(store_hash=tenant.bigcommerce.store_hash)
        return run_shape(shape, tenant, store, instance=tenant.slug)


@pytest.fixture(scope="module")
def _corpus(scenario_server, django_db_blocker):
    corpus = Corpus(scenario_server.url)
    with django_db_blocker.unblock():
        corpus.setup()
    # Actions still answer 202 and are polled, just without the production pause between polls.
    with override_settings(ACUMATICA_ACTION_POLL_SECONDS=0.02):
        yield corpus
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def corpus(_corpus, django_db_blocker):
    with django_db_blocker.unblock():
        yield _corpus

