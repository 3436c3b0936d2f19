"""Small helpers over Binding: what did we already create in Acumatica for this BigCommerce object?

A pipeline run may load the bindings it will ask about in one query (``preloaded``); inside it the
helpers answer those from memory and ``bind`` only notes the change: the block's bindings are written
together, with one statement, when the claimed record's run settles (``written_at_settle``, in the
settle's transaction, whether the run succeeded or failed) or, outside a run, when the block ends (also
on an exception). Outside it, and for keys it did not load, every helper reads and writes the table at once.

Why a binding may wait: a worker killed between a create and its binding loses the binding, never the
document's uniqueness. Its record is recovered (``record.recovered``), and every later attempt looks its
documents up by our external reference before creating any (``OrderSync.may_exist_unbound``), so a lost
binding costs one lookup, not a duplicate (tests/test_bindings_preloaded.py kills a run to show it).
"""
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q

from sync.models import Binding
from tenants.models import Tenant

# (tenant id, {(kind, bc_id): Binding or None (known absent)}) for the run in progress.
_preloaded: ContextVar[tuple[int, dict] | None] = ContextVar("preloaded_bindings", default=None)
# {(tenant id, kind, bc_id): (Binding, whether created_by_connector is to be written)} not written yet.
_unwritten: ContextVar[dict | None] = ContextVar("unwritten_bindings", default=None)


@contextmanager
def written_at_settle(record) -> Iterator[None]:
    """For a claimed record's run (``sync.tasks.run_pipeline``): the bindings its ``preloaded`` blocks bind
    are written as the record settles, in that transaction (``SyncRecord.settle_writes``)."""
    unwritten: dict = {}
    record.settle_writes.append(lambda: write(unwritten))
    token = _unwritten.set(unwritten)
    try:
        yield
    finally:
        _unwritten.reset(token)


@contextmanager
def preloaded(tenant: Tenant, wanted: Iterable[tuple[str, object]]) -> Iterator[None]:
    """Loads the bindings of ``wanted`` (kind, BigCommerce id) pairs with one SELECT for the block.

    Only for a block that is the sole writer of those bindings (a claimed record's run): a binding
    another process writes meanwhile is not seen, as it would not be a moment after a single read;
    ``bind`` still never fails on it (an INSERT that meets it becomes an update)."""
    keys = {(kind, str(bc_id)) for kind, bc_id in wanted}
    known: dict[tuple[str, str], Binding | None] = dict.fromkeys(keys)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, bc_id in keys:
        by_kind[kind].append(bc_id)
    if by_kind:
        condition = Q()
        for kind, ids in by_kind.items():
            condition |= Q(kind=kind, bc_id__in=ids)
        for binding in Binding.objects.filter(condition, tenant=tenant):
            known[(binding.kind, binding.bc_id)] = binding
    token = _preloaded.set((tenant.pk, known))
    outer = _unwritten.get()
    unwritten = {} if outer is None else outer
    own = _unwritten.set(unwritten) if outer is None else None
    try:
        yield
    finally:
        _preloaded.reset(token)
        if own is not None:  # no run to settle: written now, also when the block failed
            _unwritten.reset(own)
            write(unwritten)


def write(unwritten: dict) -> None:
    """Writes noted bindings: one INSERT ... ON CONFLICT DO UPDATE (a binding another writer made meanwhile
    is updated; ``created_by_connector`` only where the caller said it), two when both kinds occur."""
    groups: dict[bool, list[Binding]] = defaultdict(list)
    for binding, with_created in unwritten.values():
        groups[with_created].append(Binding(
            tenant_id=binding.tenant_id, kind=binding.kind, bc_id=binding.bc_id, acumatica_key=binding.acumatica_key,
            fingerprint=binding.fingerprint, created_by_connector=binding.created_by_connector))
    unwritten.clear()
    for with_created, rows in groups.items():
        Binding.objects.bulk_create(rows, update_conflicts=True, unique_fields=["tenant", "kind", "bc_id"],
                                    update_fields=["acumatica_key", "fingerprint", "updated_at",
                                                   *(["created_by_connector"] if with_created else [])])


def _known(tenant: Tenant, kind: str, bc_id) -> tuple[bool, Binding | None]:
    scope = _preloaded.get()
    key = (kind, str(bc_id))
    if scope is None or scope[0] != tenant.pk or key not in scope[1]:
        return False, None
    return True, scope[1][key]


def _remember(tenant: Tenant, binding: Binding) -> None:
    scope = _preloaded.get()
    if scope is not None and scope[0] == tenant.pk:
        scope[1][(binding.kind, binding.bc_id)] = binding


def bound_key(tenant: Tenant, kind: str, bc_id) -> str | None:
    known, binding = _known(tenant, kind, bc_id)
    if known:
        return binding.acumatica_key if binding else None
    return Binding.objects.filter(tenant=tenant, kind=kind, bc_id=str(bc_id)).values_list(
        "acumatica_key", flat=True).first()


def bound_binding(tenant: Tenant, kind: str, bc_id) -> Binding | None:
    known, binding = _known(tenant, kind, bc_id)
    if known:
        return binding
    return Binding.objects.filter(tenant=tenant, kind=kind, bc_id=str(bc_id)).first()


def bind(tenant: Tenant, kind: str, bc_id, acumatica_key: str, fingerprint: str = "", created: bool | None = None) -> None:
    """`created` (customers): whether the connector made the Acumatica record; None leaves it as it is."""
    defaults = {"acumatica_key": acumatica_key, "fingerprint": fingerprint}
    if created is not None:
        defaults["created_by_connector"] = created
    known, binding = _known(tenant, kind, bc_id)
    unwritten = _unwritten.get()
    if known and unwritten is not None:  # noted; written with the block's others (see the module docstring)
        key = (tenant.pk, kind, str(bc_id))
        if binding is None:
            binding = Binding(tenant=tenant, kind=kind, bc_id=str(bc_id), **defaults)
            _remember(tenant, binding)
        elif all(getattr(binding, name) == value for name, value in defaults.items()):
            return
        for name, value in defaults.items():
            setattr(binding, name, value)
        # The flag is written only when given (a row another writer made meanwhile keeps its own otherwise).
        with_created = created is not None or unwritten.get(key, (None, False))[1]
        unwritten[key] = (binding, with_created)
        return
    binding, _ = Binding.objects.update_or_create(tenant=tenant, kind=kind, bc_id=str(bc_id), defaults=defaults)
    _remember(tenant, binding)


def bound_fingerprint(tenant: Tenant, kind: str, bc_id) -> str | None:
    known, binding = _known(tenant, kind, bc_id)
    if known:
        return binding.fingerprint if binding else None
    return Binding.objects.filter(tenant=tenant, kind=kind, bc_id=str(bc_id)).values_list(
        "fingerprint", flat=True).first()
