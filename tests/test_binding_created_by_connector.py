"""Bindings made before `created_by_connector` existed are marked by our deterministic CustomerIDs."""
import importlib

from django.apps import apps

from sync.customers import guest_customer_id
from sync.models import Binding

migration = importlib.import_module("sync.migrations.0006_binding_created_by_connector")


def test_existing_bindings_to_our_customer_ids_count_as_created(tenant):
    rows = [("customer", "5", "BC00000005"), ("customer", "6", "C000001"),
            ("guest", "sam@example.com", guest_customer_id("sam@example.com")), ("guest", "x@example.com", "C000002"),
            ("order", "5", "SO/BC00000005")]
    for kind, bc_id, key in rows:
        Binding.objects.create(tenant=tenant, kind=kind, bc_id=bc_id, acumatica_key=key)
    migration.mark_created_customers(apps, None)
    created = set(Binding.objects.filter(created_by_connector=True).values_list("kind", "bc_id"))
    assert created == {("customer", "5"), ("guest", "sam@example.com")}
