"""Order pipeline: one SyncRecord (kind "order") = one BigCommerce order, brought to Acumatica.

Every run re-reads the order and adds only what is missing, in this order: customer, sales order,
payments, invoice, refunds. Each document is found by binding, then by our external reference in
Acumatica (see sync/mapping.py), and only then created; so duplicate webhooks, retries, replays and
a crash between a create and its binding never make a second document. The lookup by reference is
skipped when nothing can have made the document without binding it: the record's first attempt (or
one after attempts that were all filtered before touching Acumatica), for an order placed after
references were scoped (`OrderSync.may_exist_unbound`).

Refunds (sync/refunds.py) are posted one at a time, oldest first, inside the order's run: a record is
claimed by one worker at a time, so this is the per-order lock across all workers.
"""
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef

from audit.models import Source, SyncRecord
from sync import mapping, versions
from sync.acumatica import AcumaticaClient, unwrap, wrap
from sync.bigcommerce import BigCommerceClient
from sync.bindings import bind, bound_fingerprint, bound_key, preloaded
from sync.clients import open_clients
from sync.customers import ensure_customer, guest_customer_id
from sync.documents import first, release
from sync.http import ApiError
from sync.inventory_ids import inventory_ids_for, tenant_maps_skus_fact
from sync.models import WebhookReceipt
from sync.refunds import post_refunds
from sync.tasks import register_pipeline
from tenants.models import Tenant
from tenants.models import invoicing_problem as tenant_invoicing_problem

STATUS_NAMES = {0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded", 5: "Cancelled",
                6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup", 9: "Awaiting Shipment", 10: "Completed",
                11: "Awaiting Fulfillment", 12: "Manual Verification Required", 13: "Disputed",
                14: "Partially Refunded"}
TOTALS_VERIFIED = "totals verified"  # binding fingerprint of a sales order that matched BigCommerce once
CANCELLED = {5, 6}
REFUNDED = {4, 14}
NOT_INVOICED = {"Open", "On Hold", "Back Order"}
REFUND_SCOPE = "store/order/refund/created"


class OrderProblem(Exception):
    """Something a merchant must settle (a mapping, a setting, a cancelled order); needs attention."""

    permanent = True


def refund_receipts(tenant_id, order_id):
    """The refund webhooks received for an order (values, or OuterRefs for the claim's query)."""
    return WebhookReceipt.objects.filter(tenant_id=tenant_id, source="bigcommerce", scope=REFUND_SCOPE,
                                         object_id=order_id)


def refund_webhooked() -> Exists:
    """The claim's answer for ``has_refunds``: did a refund webhook come for the record's order?"""
    return Exists(refund_receipts(OuterRef("tenant_id"), OuterRef("external_id")))


@register_pipeline("order", facts={"refund_webhooked": refund_webhooked(),
                                   "tenant_maps_skus": tenant_maps_skus_fact()})
def sync_order(record: SyncRecord) -> dict | None:
    tenant = record.tenant
    with open_clients(tenant, record.call_recorder()) as (bc, ac):
        order = bc.get_order(int(record.external_id))
        transactions = bc.get_transactions(order["id"])
        refunds = bc.get_refunds(order["id"]) if has_refunds(record, order) else []
        record.store_snapshot({"order": order, "transactions": transactions, "refunds": refunds})
        with preloaded(tenant, binding_keys(order, transactions, refunds)):
            return OrderSync(record, tenant, bc, ac, order).run(transactions, refunds)


def binding_keys(order: dict, transactions: list[dict], refunds: list[dict]) -> list[tuple[str, object]]:
    """Every binding a run of this order may ask about, read in one query (sync/bindings.py)."""
    email = ((order.get("billing_address") or {}).get("email") or "").strip().lower()
    return [("order", order["id"]), ("invoice", order["id"]), ("customer", int(order.get("customer_id") or 0)),
            *([("guest", email)] if email else []), *(("payment", t["id"]) for t in transactions),
            *(("refund", r["id"]) for r in refunds)]


def has_refunds(record: SyncRecord, order: dict) -> bool:
    """Whether the order may have refunds to read. BigCommerce counts every refund (pending parts too) in
    `refunded_amount`, and a refunded status says so as well. A refund whose money was all declined counts
    for neither (its decline is noted on the record): a webhooked run knows it from the refund's webhook;
    a polled, manual or replayed run reads the refunds anyway. Saves a call on every other order."""
    if mapping.exact(order.get("refunded_amount") or 0) > 0 or int(order["status_id"]) in REFUNDED:
        return True
    if record.source != Source.WEBHOOK:
        return True
    if (webhooked := getattr(record, "refund_webhooked", None)) is not None:  # answered by the claim
        return bool(webhooked)
    return refund_receipts(record.tenant_id, str(order["id"])).exists()


class OrderSync:
    def __init__(self, record: SyncRecord, tenant: Tenant, bc: BigCommerceClient, ac: AcumaticaClient,
                 order: dict) -> None:
        self.record, self.tenant, self.bc, self.ac, self.order = record, tenant, bc, ac, order
        self.order_id = int(order["id"])
        self.settings = mapping.OrderSettings(
            order_type=tenant.order_type, branch=tenant.branch, tax_mode=tenant.tax_mode, tax_id=tenant.tax_id,
            tax_zone=tenant.tax_zone, freight_taxable=tenant.freight_taxable, no_sku_item=tenant.no_sku_item,
            fee_item=tenant.fee_item, zone=ZoneInfo(tenant.time_zone), store=tenant.bigcommerce.store_hash,
            version=tenant.acumatica.endpoint_version)
        # Transaction id -> the payment the PUT releasing the sales order made for it (None: made, not shown).
        self.embedded: dict[int, dict | None] = {}

    def run(self, transactions: list[dict], refunds: list[dict]) -> dict | None:
        status_id = int(self.order["status_id"])
        status = f"{STATUS_NAMES.get(status_id, 'Unknown')} ({status_id})"
        synced = bound_key(self.tenant, "order", self.order_id)
        money = mapping.PaymentState.of(self.order, transactions)
        if status_id in CANCELLED and synced:
            raise OrderProblem(f"Order #{self.order_id} became {status} in BigCommerce after it reached Acumatica "
                               f"as {synced}. Nothing was deleted; cancel or adjust the documents in Acumatica.")
        if status_id in CANCELLED and money.captured:
            raise OrderProblem(f"Order #{self.order_id} is {status} but {money.captured} was captured for it. "
                               "Record the payment and its refund in Acumatica, or mark this record resolved.")
        paid_status = status_id in self.tenant.paid_status_ids
        # Money captured makes an order paid whatever its status now says (a refund moves it to 4 or 14).
        if not (paid_status or money.captured or (synced and status_id in REFUNDED)):
            self.record.filter(f"Order status is {status}; only paid statuses "
                               f"{sorted(self.tenant.paid_status_ids)} or captured payments create documents. "
                               "A later change re-checks it.")
            return None
        if not synced:
            reason = self.not_taken(transactions)
            if reason:
                self.record.filter(reason)
                return None
        if money.authorized_only and not self.tenant.sync_authorized_orders and not synced:
            self.record.filter(f"Order #{self.order_id}'s payment is only authorized ({money.authorized}); the "
                               "tenant creates sales orders once it is captured. The capture re-checks it.")
            return None
        customer_id = self.customer()
        due = [t for t in transactions if mapping.is_posted_payment(t)]
        sales_order = self.sales_order(customer_id, due)
        invoice_key = bound_key(self.tenant, "invoice", self.order_id)
        payments = [self.payment(t, customer_id, sales_order, invoice_key) for t in due]
        invoice = None
        if self.tenant.invoice_mode == "connector" and money.settled(paid_status):
            invoice = self.invoice(sales_order)
        refunded = post_refunds(self, refunds, transactions, customer_id, sales_order, payments)
        return {"acumatica_key": f"{sales_order['OrderType']}/{sales_order['OrderNbr']}",
                "bigcommerce_key": str(self.order_id), "customer": customer_id, "payments": payments,
                "invoice": invoice, "refunds": refunded}

    @cached_property
    def earlier_attempt_may_have_written(self) -> bool:
        """Whether an earlier attempt of this record may have created documents it did not bind.

        One that was filtered stopped before any Acumatica call (``run`` filters first); see
        ``SyncRecord.earlier_attempt_may_have_written``."""
        return self.record.earlier_attempt_may_have_written()

    def may_exist_unbound(self, references: list[str]) -> bool:
        """Look a document up by reference before creating it? Only if an earlier attempt may have made it,
        or it may come from before references were scoped (a store-less reference is one of them)."""
        return len(references) > 1 or self.earlier_attempt_may_have_written

    def references(self, make, object_id, created: str | None) -> list[str]:
        """Our store-scoped external reference for a BigCommerce object, and the store-less one it was given
        before references were scoped, for objects of a tenant that existed then (from before the cut-over).
        A tenant created since never looks for store-less references: another store's may share the number."""
        references = [make(object_id, self.settings.store)]
        until = self.tenant.legacy_references_until
        if until and (not created or mapping.bc_datetime(created) < until):
            references.append(make(object_id))
        return references

    def not_taken(self, transactions: list[dict]) -> str | None:
        """Why this order is not for Acumatica at all (the merchant's rules), or None."""
        channel = int(self.order.get("channel_id") or 1)
        if self.tenant.channel_ids and channel not in self.tenant.channel_ids:
            return (f"Order #{self.order_id} came from BigCommerce channel {channel}; this tenant syncs channels "
                    f"{sorted(self.tenant.channel_ids)} only.")
        tests = [t for t in transactions if t.get("test") and t.get("status") == "ok"]
        if tests and not self.tenant.accept_test_payments:
            gateways = ", ".join(sorted({str(t.get("gateway") or "unknown") for t in tests}))
            return (f"Order #{self.order_id} was paid with test transactions ({gateways} in test mode): no real "
                    "money. Turn on 'Accept test payments' to sync such orders.")
        return None

    # -- customer --------------------------------------------------------------------------------

    def customer(self) -> str:
        billing = self.order.get("billing_address") or {}
        bc_customer = int(self.order.get("customer_id") or 0)
        if bc_customer:
            key = bound_key(self.tenant, "customer", bc_customer)
            if key:
                return key
            person = self.bc.get_customer(bc_customer) or billing
            return ensure_customer(self.ac, self.tenant, "customer", bc_customer, person, billing)
        if self.tenant.guest_policy == Tenant.GuestPolicy.GENERIC:
            if not self.tenant.guest_customer_id:
                raise OrderProblem("This is a guest order and the guest policy is 'one generic customer', "
                                   "but no guest CustomerID is set on the tenant.")
            return self.tenant.guest_customer_id
        email = (billing.get("email") or "").strip().lower()
        if not email:
            raise OrderProblem(f"Guest order #{self.order_id} has no e-mail address to match a customer by.")
        return bound_key(self.tenant, "guest", email) or ensure_customer(
            self.ac, self.tenant, "guest", email, billing, billing, new_id=guest_customer_id(email))

    # -- sales order -----------------------------------------------------------------------------

    def sales_order(self, customer_id: str, due: list[dict]) -> dict:
        key = bound_key(self.tenant, "order", self.order_id)
        if key:
            sales_order = unwrap(self.ac.get("SalesOrder", key.split("/", 1)))
        else:
            references = self.references(mapping.order_ref, self.order_id, self.order["date_created"])
            found = first(self.ac.query("SalesOrder", filter=mapping.refs_filter(references))) \
                if self.may_exist_unbound(references) else None
            sales_order = found or self._create_sales_order(customer_id)
            key = f"{sales_order['OrderType']}/{sales_order['OrderNbr']}"
            bind(self.tenant, "order", self.order_id, key)
        return self._verified(sales_order, key, customer_id, due)

    def _verified(self, sales_order: dict, key: str, customer_id: str, due: list[dict]) -> dict:
        """Takes the order off hold once it matches BigCommerce, once, with its payments due (`_payment_rows`).

        Only an order still on hold that we have not verified is compared: after that, Acumatica owns
        it (the warehouse may add freight), and its later edits must not block payments, invoice or
        refunds. An order someone released by hand was checked by that person.
        """
        if bound_fingerprint(self.tenant, "order", self.order_id) == TOTALS_VERIFIED:
            return sales_order
        if sales_order.get("Hold"):
            mismatch = mapping.totals_mismatch(self.order, mapping.money(sales_order.get("OrderTotal")))
            if mismatch:
                raise OrderProblem(f"Sales order {sales_order['OrderNbr']} stays on hold: {mismatch}")
            rows = self._payment_rows(sales_order, customer_id, due)
            release = {"OrderType": sales_order["OrderType"], "OrderNbr": sales_order["OrderNbr"], "Hold": False,
                       **({"Payments": list(rows.values())} if rows else {})}
            sales_order = unwrap(self.ac.put("SalesOrder", wrap(release), expand="Payments" if rows else None))
            self._note_embedded(sales_order, rows)
        bind(self.tenant, "order", self.order_id, key, fingerprint=TOTALS_VERIFIED)
        return sales_order

    def _create_sales_order(self, customer_id: str) -> dict:
        lines = self.order["products"]
        addresses = self.order["shipping_addresses"]
        if len(addresses) > 1 and self.tenant.multi_address_policy != Tenant.MultiAddressPolicy.FIRST:
            cities = ", ".join(str(a.get("city") or "?") for a in addresses)
            raise OrderProblem(f"Order #{self.order_id} ships to {len(addresses)} addresses ({cities}); an Acumatica "
                               "sales order has one. Enter it by hand, or choose the multiple-address policy "
                               "'ship to the first address' in the tenant's order settings, then replay.")
        try:
            payload = mapping.sales_order_payload(
                self.order, lines, self.order["shipping_addresses"], customer_id=customer_id,
                inventory_ids=inventory_ids_for(self.tenant, [line.get("sku") or "" for line in lines],
                                                getattr(self.record, "tenant_maps_skus", True)),
                settings=self.settings)
        except mapping.MappingProblem as error:
            raise OrderProblem(f"Order #{self.order_id}: {error}") from None
        try:
            return unwrap(self.ac.put("SalesOrder", wrap(payload)))
        except ApiError as error:
            if error.status == 422:
                skus = ", ".join(f"{line.get('sku')} -> {d['InventoryID']}"
                                 for line, d in zip(lines, payload["Details"]))
                raise ApiError(f"Acumatica refused sales order for BigCommerce order #{self.order_id}: {error} "
                               f"(SKU -> InventoryID: {skus})", status=422, permanent=True) from None
            raise

    # -- payments --------------------------------------------------------------------------------

    def payment_account(self, gateway: str) -> tuple[str, str]:
        """The Acumatica payment method and cash account for a BigCommerce gateway (gift certificates and
        store credit included). Never a silent guess: an unmapped gateway needs attention, unless the
        tenant chose to send every unmapped gateway to its default payment method."""
        method = self.tenant.payment_method_map.get(gateway)
        if not method and self.tenant.unmapped_gateways_use_default:
            method = self.tenant.default_payment_method
        if not method:
            raise OrderProblem(f"BigCommerce payments via '{gateway or 'unknown'}' have no Acumatica payment method. "
                               f"Map '{gateway or 'unknown'}' in the tenant's payment methods (or choose a "
                               "catch-all default), then replay.")
        cash_account = self.tenant.cash_account_map.get(method) or self.tenant.default_cash_account
        if not cash_account:
            raise OrderProblem(f"Payment method {method} (for BigCommerce gateway '{gateway}') has no cash account. "
                               "Set it in the tenant's cash accounts or the default cash account.")
        return method, cash_account

    def payment(self, transaction: dict, customer_id: str, sales_order: dict, invoice_key: str | None) -> str:
        key = bound_key(self.tenant, "payment", transaction["id"])
        if key:
            return key
        payment = self.embedded.get(transaction["id"])
        if payment is None:
            references = self.references(mapping.payment_ref, transaction["id"], transaction.get("date_created"))
            # One the sales order's PUT made but did not show is looked up, never made a second time.
            look = transaction["id"] in self.embedded or self.may_exist_unbound(references)
            payment = first(self.ac.query("Payment", filter=mapping.refs_filter(references))) if look else None
        if payment is None:
            method, cash_account = self.payment_account(transaction.get("gateway") or "")
            # A capture after the order was invoiced pays the invoice: a completed order takes no payments.
            invoice_nbr = invoice_key.split("/", 1)[1] if invoice_key else None
            payment = unwrap(self.ac.put("Payment", wrap(self._payment_payload(
                transaction, customer_id, method, cash_account, sales_order, invoice_nbr))))
        self._release(payment, "Payment", "ReleasePayment")
        key = f"{payment['Type']}/{payment['ReferenceNbr']}"
        bind(self.tenant, "payment", transaction["id"], key)
        return key

    def _payment_payload(self, transaction: dict, customer_id: str, method: str, cash_account: str,
                         sales_order: dict, invoice_nbr: str | None) -> dict:
        return mapping.payment_payload(
            transaction, customer_id=customer_id, payment_method=method, cash_account=cash_account,
            order_type=sales_order["OrderType"], order_nbr=sales_order["OrderNbr"], invoice_nbr=invoice_nbr,
            currency=mapping.transactional_currency(self.order), zone=self.settings.zone, store=self.settings.store)

    def _payment_rows(self, sales_order: dict, customer_id: str, due: list[dict]) -> dict[int, dict]:
        """The order's payments due now, as Payments rows of the PUT that takes it off hold, by transaction id.

        Acumatica saves the order and the payments its rows make in one transaction (reference/acumatica-api.md
        §7), saving a Payment PUT per payment. Only when nothing can exist unbound (the same rule that skips the
        lookup before a Payment PUT): a re-run after an attempt that may have written uses the Payment entity and
        its lookup. An unmapped gateway, or a version whose SalesOrderPayment lacks a field, keeps every payment
        on the Payment entity, so the payment step raises the same problems as before."""
        rows: dict[int, dict] = {}
        for transaction in due:
            if bound_key(self.tenant, "payment", transaction["id"]):
                continue
            references = self.references(mapping.payment_ref, transaction["id"], transaction.get("date_created"))
            if self.may_exist_unbound(references):
                return {}
            try:
                method, cash_account = self.payment_account(transaction.get("gateway") or "")
            except OrderProblem:
                return {}
            rows[transaction["id"]] = mapping.order_payment_row(
                self._payment_payload(transaction, customer_id, method, cash_account, sales_order, None))
        version = self.settings.version
        fits = versions.has_field(version, "SalesOrder", "Payments") and all(
            versions.has_field(version, "SalesOrderPayment", name) for row in rows.values() for name in row)
        return rows if fits else {}

    def _note_embedded(self, sales_order: dict, rows: dict[int, dict]) -> None:
        """Which payment each row made, matched by our reference on the order's Payments tab."""
        shown = {row.get("ExternalRef"): row for row in sales_order.get("Payments") or [] if row.get("ReferenceNbr")}
        for transaction_id, row in rows.items():
            made = shown.get(row["ExternalRef"])
            self.embedded[transaction_id] = made and {
                "Type": made.get("DocType") or row["DocType"], "ReferenceNbr": made["ReferenceNbr"],
                "Status": made.get("Status")}

    def _release(self, document: dict, entity: str, action: str) -> None:
        release(self.ac, document, entity, action)

    # -- invoice ---------------------------------------------------------------------------------

    def invoice(self, sales_order: dict) -> str:
        key = bound_key(self.tenant, "invoice", self.order_id)
        if key:
            return key
        # An order Acumatica still shows as open has no invoice yet: no need to look for one (one call
        # saved per order, paying for the release from hold). Invoiced or completed ones are looked up.
        invoice = None if sales_order.get("Status") in NOT_INVOICED else self._find_invoice(sales_order)
        if invoice is None:
            invoice = self._prepare_invoice(sales_order)
            if invoice is None:
                raise ApiError(f"Acumatica prepared no invoice for sales order {sales_order['OrderNbr']} yet.",
                               permanent=False)
        self._release(invoice, "SalesInvoice", "ReleaseSalesInvoice")
        key = f"{invoice['Type']}/{invoice['ReferenceNbr']}"
        bind(self.tenant, "invoice", self.order_id, key)
        return key

    def _prepare_invoice(self, sales_order: dict) -> dict | None:
        """The invoice prepared from the order, read as soon as it is there (the status is polled only while
        it is not, which also surfaces a failed run's error); None if Acumatica finished without one."""
        try:
            return self.ac.invoke_action(
                "SalesOrder", "PrepareSalesInvoice",
                wrap({"OrderType": sales_order["OrderType"], "OrderNbr": sales_order["OrderNbr"]}),
                done_when=lambda: self._find_invoice(sales_order))
        except ApiError as error:
            # An order type that processes shipments is invoiced from its confirmed shipment (#14).
            problem = tenant_invoicing_problem(self.tenant.invoice_mode, sales_order["OrderType"])
            if error.status == 422 and problem:
                raise OrderProblem(f"Acumatica would not invoice sales order {sales_order['OrderNbr']}: {error} "
                                   f"{problem} (tenant settings: order type, invoice mode).") from None
            raise

    def _find_invoice(self, sales_order: dict) -> dict | None:
        condition = (f"Type eq 'Invoice' and CustomerOrder eq {mapping.odata_string(self.order_id)} "
                     f"and CustomerID eq {mapping.odata_string(sales_order['CustomerID'])}")
        return first(self.ac.query("SalesInvoice", filter=condition))
