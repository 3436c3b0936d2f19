"""The fit check: before the first sync, what the connector would make of the merchant's real data.

    run_fit_check(tenant, on_call=None) -> FitReport
    sku_report(tenant, bc, ac) -> SkuReport          # also behind the unmatched-SKU CSV

It answers four questions, each on its own so one failing read does not hide the others:

- SKUs: every BigCommerce SKU (products, and variants with options) through the tenant's SKU
  mappings and its same-code rule (``sync/inventory_ids.py``), against every Acumatica stock and
  non-stock InventoryID: matched exactly, matched ignoring case (Acumatica compares InventoryIDs
  without regard to case, so these work, but the spelling differs), or not at all. Also what the
  store sells without a SKU, and the Acumatica items the store does not sell (not excluded from the
  catalog push), which the first push would report as "not found in BigCommerce".
- Gateways: the gateways of the store's recent orders' transactions, and whether each has the
  Acumatica payment method and cash account the order pipeline will ask for.
- Versions: the endpoint versions the Acumatica instance serves and the one the tenant pins.
- Backfill: the orders the first poll would read (modified since the backfill start), by status,
  with their totals (Decimal, per currency), and whether their status counts as paid.

It only reads. BigCommerce sees GETs; Acumatica sees GETs and its sign-in and sign-out (a cookie
session or an OAuth token). Nothing here creates, changes or deletes anything on either side, and
nothing is stored on our side but what the clients keep anyway (a refreshed OAuth token).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models.functions import Lower

from sync.acumatica import AcumaticaClient, unwrap
from sync.batches import chunked
from sync.bigcommerce import BigCommerceClient
from sync.catalog_values import NON_STOCK_ITEM, STOCK_ITEM
from sync.clients import open_clients
from sync.http import ApiError, CallHook
from sync.catalog import excluded_items
from sync.inventory_ids import inventory_ids_for, skus_for
from sync.mapping import transactional_currency
from sync.models import Cursor
from sync.polling import poll_start
from tenants.models import SkuMapping, Tenant

EXACT, IGNORING_CASE, UNMATCHED = "exact", "ignoring_case", "unmatched"
ACUMATICA_PAGE = 1000   # InventoryIDs only, so a large page is still a small answer
SKU_CHUNK = 500         # SKUs per mapping lookup (keeps the SQL IN list short on every database)
RECENT_ORDERS = 25      # orders whose transactions show the gateways in use
PAID_EVENTS = {"purchase", "capture", "authorization"}


@dataclass
class SkuMatch:
    sku: str
    kind: str                       # "product" or "variant"
    name: str
    inventory_id: str               # what the SKU maps to: Acumatica's own spelling when found
    match: str                      # EXACT, IGNORING_CASE or UNMATCHED
    mapped: bool                    # through a SkuMapping row (else the same code on both sides)


@dataclass
class SkuReport:
    matches: list[SkuMatch] = field(default_factory=list)
    acumatica_items: int = 0
    same_code_fallback: bool = True
    without_sku: list[str] = field(default_factory=list)    # store items sold without a SKU
    not_in_store: list[str] = field(default_factory=list)   # Acumatica InventoryIDs the store does not sell

    def of(self, match: str) -> list[SkuMatch]:
        return [m for m in self.matches if m.match == match]

    @property
    def unmatched(self) -> list[SkuMatch]:
        return self.of(UNMATCHED)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(self.of(kind)) for kind in (EXACT, IGNORING_CASE, UNMATCHED)}


@dataclass
class GatewayCheck:
    gateway: str
    orders: int                     # recent orders with a successful transaction through it
    payment_method: str
    cash_account: str
    problem: str                    # empty when orders paid this way can be posted


@dataclass
class StatusGroup:
    status_id: int
    status: str
    paid: bool                      # counts as paid for this tenant: the backfill imports these
    orders: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)   # currency -> total incl. tax


@dataclass
class BackfillReport:
    since: datetime
    groups: list[StatusGroup] = field(default_factory=list)
    other_channels: int = 0         # orders of channels this tenant does not sync

    @property
    def imported(self) -> list[StatusGroup]:
        return [g for g in self.groups if g.paid]

    @property
    def imported_orders(self) -> int:
        return sum(g.orders for g in self.imported)

    @property
    def imported_totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for group in self.imported:
            for currency, amount in group.totals.items():
                totals[currency] = totals.get(currency, Decimal("0")) + amount
        return totals


@dataclass
class VersionReport:
    pinned: str
    offered: list[str]

    @property
    def pinned_offered(self) -> bool:
        return self.pinned in self.offered


@dataclass
class FitReport:
    skus: SkuReport | None = None
    gateways: list[GatewayCheck] | None = None
    versions: VersionReport | None = None
    backfill: BackfillReport | None = None
    errors: dict[str, str] = field(default_factory=dict)   # section -> why it could not be read

    @property
    def gateway_problems(self) -> list[GatewayCheck]:
        return [g for g in self.gateways or [] if g.problem]


# -- SKUs ------------------------------------------------------------------------------------------


@dataclass
class StoreSkus:
    skus: list[tuple[str, str, str]] = field(default_factory=list)   # (SKU, "product"/"variant", name)
    without_sku: list[str] = field(default_factory=list)             # names of sellable items lacking a SKU


def bigcommerce_skus(bc: BigCommerceClient) -> StoreSkus:
    """Every sellable SKU, each once (case-insensitively), and what is sold without one.

    A product's base variant (no option values) repeats the product's SKU, so only variants with
    options are taken; a product with option variants is sold through them, so its own empty SKU is
    no gap (BigCommerce's products tracked by variant have none)."""
    seen: dict[str, tuple[str, str, str]] = {}
    names: dict[int, str] = {}
    no_sku: list[int] = []
    for row in bc.iter_products("sku,name"):
        names[int(row["id"])] = str(row.get("name") or "")
        sku = str(row.get("sku") or "").strip()
        if sku:
            seen.setdefault(sku.lower(), (sku, "product", names[int(row["id"])]))
        else:
            no_sku.append(int(row["id"]))
    found = StoreSkus()
    sold_by_variant: set[int] = set()
    for row in bc.iter_variants("product_id,sku,option_values"):
        if not row.get("option_values"):
            continue
        product_id = int(row.get("product_id") or 0)
        sold_by_variant.add(product_id)
        options = " / ".join(str(o.get("label") or "") for o in row["option_values"])
        name = f"{names.get(product_id, '')} ({options})".strip()
        sku = str(row.get("sku") or "").strip()
        if sku:
            seen.setdefault(sku.lower(), (sku, "variant", name))
        else:
            found.without_sku.append(name)
    found.without_sku += [names[i] for i in no_sku if i not in sold_by_variant]
    found.skus = list(seen.values())
    return found


def not_in_store(tenant: Tenant, acumatica: dict[str, str], store_skus: set[str]) -> list[str]:
    """Acumatica items (not excluded from the catalog push) whose SKU the store lacks: the first catalog
    push reports each once as "SKU ... not found in BigCommerce" (sync/catalog.py)."""
    excluded = excluded_items(tenant)
    wanted = [own for upper, own in acumatica.items() if upper not in excluded]
    missing = []
    for chunk in chunked(wanted, SKU_CHUNK):
        skus = skus_for(tenant, chunk)
        missing += [i for i in chunk if not skus.get(i) or skus[i].lower() not in store_skus]
    return sorted(missing)


def acumatica_inventory_ids(ac: AcumaticaClient) -> dict[str, str]:
    """Upper-case InventoryID -> Acumatica's own spelling, of every stock and non-stock item."""
    found: dict[str, str] = {}
    for entity in (STOCK_ITEM, NON_STOCK_ITEM):
        # Reference: reference/acumatica-api.md §3 (GET <Entity>?$select=InventoryID&$top=&$skip=)
        for row in ac.query(entity, select="InventoryID", top=ACUMATICA_PAGE):
            inventory_id = str(unwrap(row).get("InventoryID") or "").strip()
            if inventory_id:
                found.setdefault(inventory_id.upper(), inventory_id)
    return found


def _mapped_skus(tenant: Tenant) -> set[str]:
    return set(SkuMapping.objects.filter(tenant=tenant).annotate(sku_lower=Lower("bc_sku"))
               .values_list("sku_lower", flat=True))


def match_skus(tenant: Tenant, store: StoreSkus, acumatica: dict[str, str]) -> SkuReport:
    """Each SKU through the tenant's mappings and same-code rule, against Acumatica's InventoryIDs."""
    report = SkuReport(acumatica_items=len(acumatica), same_code_fallback=tenant.same_code_fallback,
                       without_sku=sorted(store.without_sku),
                       not_in_store=not_in_store(tenant, acumatica, {sku.lower() for sku, _, _ in store.skus}))
    mapped = _mapped_skus(tenant)
    for chunk in chunked(store.skus, SKU_CHUNK):
        targets = inventory_ids_for(tenant, [sku for sku, _, _ in chunk])
        for sku, kind, name in chunk:
            target = targets.get(sku, "")
            own = acumatica.get(target.upper(), "") if target else ""
            match = EXACT if own and own == target else IGNORING_CASE if own else UNMATCHED
            report.matches.append(SkuMatch(sku=sku, kind=kind, name=name, inventory_id=own or target, match=match,
                                           mapped=sku.lower() in mapped))
    report.matches.sort(key=lambda m: m.sku.lower())
    return report


def sku_report(tenant: Tenant, bc: BigCommerceClient, ac: AcumaticaClient) -> SkuReport:
    return match_skus(tenant, bigcommerce_skus(bc), acumatica_inventory_ids(ac))


# -- gateways --------------------------------------------------------------------------------------


def payment_setting(tenant: Tenant, gateway: str) -> tuple[str, str, str]:
    """(payment method, cash account, problem) for a gateway, by the rule the order pipeline applies
    (sync/orders.py ``payment_account``): the gateway's mapping, or the default when the tenant sends
    unmapped gateways there; the method's cash account, or the default cash account."""
    method = tenant.payment_method_map.get(gateway, "")
    if not method and tenant.unmapped_gateways_use_default:
        method = tenant.default_payment_method
    if not method:
        return "", "", f"No Acumatica payment method for gateway '{gateway}'."
    cash_account = tenant.cash_account_map.get(method) or tenant.default_cash_account
    if not cash_account:
        return method, "", f"Payment method {method} has no cash account."
    return method, cash_account, ""


def gateway_checks(tenant: Tenant, bc: BigCommerceClient) -> list[GatewayCheck]:
    """Gateways of successful transactions on the store's recent orders, with their Acumatica settings."""
    orders_per_gateway: dict[str, int] = {}
    for order in bc.recent_orders(RECENT_ORDERS):
        gateways = {str(t.get("gateway") or "") for t in bc.get_transactions(int(order["id"]))
                    if t.get("status") == "ok" and t.get("event") in PAID_EVENTS}
        for gateway in gateways:
            orders_per_gateway[gateway] = orders_per_gateway.get(gateway, 0) + 1
    checks = []
    for gateway, orders in sorted(orders_per_gateway.items()):
        method, cash_account, problem = payment_setting(tenant, gateway)
        checks.append(GatewayCheck(gateway or "unknown", orders, method, cash_account, problem))
    return checks


# -- versions and backfill -------------------------------------------------------------------------


def version_report(ac: AcumaticaClient) -> VersionReport:
    return VersionReport(pinned=ac.version, offered=ac.offered_versions())


def backfill_since(tenant: Tenant) -> datetime:
    """Where the first poll starts: the tenant's backfill start (sync/polling.py ``poll_start``)."""
    return poll_start(tenant, Cursor(tenant=tenant, stream="orders"))


def backfill_report(tenant: Tenant, bc: BigCommerceClient) -> BackfillReport:
    """The orders the first poll reads, by status; paid ones become sales orders, others are filtered."""
    report = BackfillReport(since=backfill_since(tenant))
    groups: dict[int, StatusGroup] = {}
    paid, channels = set(tenant.paid_status_ids or []), set(tenant.channel_ids or [])
    for order in bc.iter_orders_modified_since_by_id(report.since):
        if channels and int(order.get("channel_id") or 1) not in channels:
            report.other_channels += 1
            continue
        status_id = int(order.get("status_id") or 0)
        group = groups.setdefault(status_id, StatusGroup(status_id, str(order.get("status") or status_id),
                                                         status_id in paid))
        group.orders += 1
        currency = transactional_currency(order)
        group.totals[currency] = group.totals.get(currency, Decimal("0")) + Decimal(str(order.get("total_inc_tax") or 0))
    report.groups = sorted(groups.values(), key=lambda g: (not g.paid, -g.orders, g.status_id))
    return report


# -- the whole check -------------------------------------------------------------------------------


def _section(report: FitReport, name: str, read) -> None:
    try:
        setattr(report, name, read())
    except ApiError as exc:
        report.errors[name] = exc.message


def run_fit_check(tenant: Tenant, on_call: CallHook | None = None) -> FitReport:
    report = FitReport()
    with open_clients(tenant, on_call) as (bc, ac):
        _section(report, "versions", lambda: version_report(ac))
        _section(report, "skus", lambda: sku_report(tenant, bc, ac))
        _section(report, "gateways", lambda: gateway_checks(tenant, bc))
        _section(report, "backfill", lambda: backfill_report(tenant, bc))
    return report
