"""Bindings read once per run (sync/bindings.py `preloaded`): answers from memory, the block's writes in one
statement as it ends (a claimed run's: as it settles), and the same outcome as the table when another writer
got there first."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sync.bindings import bind, bound_binding, bound_fingerprint, bound_key, preloaded
from sync.models import Binding


def test_a_run_reads_its_bindings_once_and_writes_them_with_one_statement(tenant):
    Binding.objects.create(tenant=tenant, kind="customer", bc_id="7", acumatica_key="C7")
    with CaptureQueriesContext(connection) as run:
        with preloaded(tenant, [("order", 100), ("customer", 7), ("payment", 5)]):
            assert bound_key(tenant, "customer", 7) == "C7"
            assert bound_key(tenant, "order", 100) is None and bound_fingerprint(tenant, "order", 100) is None
            bind(tenant, "order", 100, "SO/1")
            assert bound_key(tenant, "order", 100) == "SO/1"
            bind(tenant, "order", 100, "SO/1", fingerprint="verified")
            bind(tenant, "order", 100, "SO/1", fingerprint="verified")  # nothing changes: nothing more to write
            bind(tenant, "customer", 7, "C8")  # an existing one changed: in the same statement
            bind(tenant, "payment", 5, "Payment/1")
            assert bound_binding(tenant, "order", 100).fingerprint == "verified"
            assert not Binding.objects.filter(kind__in=("order", "payment")).exists()  # nothing written yet
    # The test's own transaction puts a savepoint around the INSERT; a worker's run (autocommit) has none.
    verbs = [q["sql"].split()[0] for q in run.captured_queries if "sync_binding" in q["sql"]]
    assert verbs == ["SELECT", "SELECT", "INSERT"]  # the preload, the test's own check, the write
    assert dict(Binding.objects.filter(tenant=tenant).values_list("kind", "acumatica_key")) == {
        "order": "SO/1", "customer": "C8", "payment": "Payment/1"}
    assert Binding.objects.get(tenant=tenant, kind="order", bc_id="100").fingerprint == "verified"


def test_a_block_that_fails_still_writes_what_it_bound(tenant):
    with pytest.raises(RuntimeError):
        with preloaded(tenant, [("order", 100)]):
            bind(tenant, "order", 100, "SO/1")  # made in Acumatica: its binding must not be lost
            raise RuntimeError("the payment failed")
    assert bound_key(tenant, "order", 100) == "SO/1"


def test_created_by_connector_is_written_only_where_given(tenant):
    with preloaded(tenant, [("customer", 7), ("guest", "a@example.com")]):
        bind(tenant, "customer", 7, "C7", created=True)
        bind(tenant, "guest", "a@example.com", "C7")
        Binding.objects.create(tenant=tenant, kind="guest", bc_id="a@example.com", acumatica_key="C7",
                               created_by_connector=True)  # another writer, meanwhile
    assert dict(Binding.objects.values_list("kind", "created_by_connector")) == {"customer": True, "guest": True}


def test_a_binding_another_writer_made_meanwhile_is_updated_not_duplicated(tenant):
    with preloaded(tenant, [("payment", 5)]):
        Binding.objects.create(tenant=tenant, kind="payment", bc_id="5", acumatica_key="Payment/1")  # elsewhere
        bind(tenant, "payment", 5, "Payment/2")
        assert bound_key(tenant, "payment", 5) == "Payment/2"
    assert list(Binding.objects.filter(tenant=tenant, kind="payment").values_list("acumatica_key", flat=True)) == [
        "Payment/2"]


def test_keys_it_did_not_load_and_other_tenants_read_the_table(tenant, make_tenant):
    other = make_tenant("other")
    Binding.objects.create(tenant=other, kind="order", bc_id="100", acumatica_key="SO/9")
    Binding.objects.create(tenant=tenant, kind="invoice", bc_id="100", acumatica_key="Invoice/3")
    with preloaded(tenant, [("order", 100)]):
        assert bound_key(other, "order", 100) == "SO/9"
        assert bound_key(tenant, "invoice", 100) == "Invoice/3"
