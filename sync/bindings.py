"""Small helpers over Binding: what did we already create in Acumatica for this BigCommerce object?

A pipeline run may load the bindings it will ask about in one query (``preloaded``); inside it the
helpers answer those from memory and ``bind`` writes a new binding with one INSERT (an existing one
with one UPDATE, or none when nothing changes). Outside it, and for keys it did not load, every
helper reads and writes the table as before.
"""
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sync.models import Binding
from tenants.models import Tenant

# (tenant id, {(kind, bc_id): Binding or None (known absent)}) for the run in progress.
_preloaded: ContextVar[tuple[int, dict] | None] = ContextVar("preloaded_bindings", default=None)


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
    try:
        yield
    finally:
        _preloaded.reset(token)


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
    if known and binding is not None:
        if any(getattr(binding, name) != value for name, value in defaults.items()):
            Binding.objects.filter(pk=binding.pk).update(**defaults, updated_at=timezone.now())
            for name, value in defaults.items():
                setattr(binding, name, value)
        return
    if known and (binding := _insert(tenant, kind, bc_id, defaults)) is not None:
        _remember(tenant, binding)
        return
    binding, _ = Binding.objects.update_or_create(tenant=tenant, kind=kind, bc_id=str(bc_id), defaults=defaults)
    _remember(tenant, binding)


def _insert(tenant: Tenant, kind: str, bc_id, values: dict) -> Binding | None:
    """One INSERT for a binding known to be missing; None if another writer made it meanwhile."""
    try:
        if transaction.get_autocommit():  # a failed INSERT outside a transaction spoils nothing
            return Binding.objects.create(tenant=tenant, kind=kind, bc_id=str(bc_id), **values)
        with transaction.atomic():
            return Binding.objects.create(tenant=tenant, kind=kind, bc_id=str(bc_id), **values)
    except IntegrityError:
        return None


def bound_fingerprint(tenant: Tenant, kind: str, bc_id) -> str | None:
    known, binding = _known(tenant, kind, bc_id)
    if known:
        return binding.fingerprint if binding else None
    return Binding.objects.filter(tenant=tenant, kind=kind, bc_id=str(bc_id)).values_list(
        "fingerprint", flat=True).first()
