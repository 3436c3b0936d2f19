"""Shipment pipeline: one SyncRecord (kind "shipment") = one Acumatica shipment, brought to BigCommerce.

Every run re-reads the shipment and makes BigCommerce agree with it:
- confirmed (or invoiced) -> for each BigCommerce order it ships, one BigCommerce shipment with the shipped
  order products and quantities, tracking number and shipping provider; changed tracking, provider or address
  are updated in place (PUT), changed items mean delete and create again (a PUT cannot change items);
- corrected back to Open, deleted, or no longer shipping an order -> the BigCommerce shipments it made are
  deleted, which puts the quantities back to "to ship" and the order status back with them.

Idempotency: each BigCommerce shipment we make is bound (Binding kind "shipment", bc_id "<order>/<shipment>",
acumatica_key the shipment number) and carries our marker in `comments`; before creating, a run looks at the
bindings and then at the order's shipments for the marker. So a crash between the create and the binding, a
duplicate push, a poll overlap or a replay never makes a second BigCommerce shipment.

The sales order -> BigCommerce order link is the order binding ("SO/000123" <- order id); a sales order without
one whose ExternalRef is this store's reference is followed too. A shipment of sales orders that did not come
from this store is filtered, saying so.
"""
from audit.models import SyncRecord
from sync import shipments_mapping as mapping
from sync.acumatica import AcumaticaClient, unwrap
from sync.bigcommerce import BigCommerceClient
from sync.bindings import bind
from sync.clients import open_clients
from sync.documents import first
from sync.inventory_ids import inventory_ids_for
from sync.mapping import odata_string, order_ref
from sync.models import Binding
from sync.shipments_dropship import is_drop_ship, sync_drop_ship
from sync.tasks import register_pipeline
from tenants.models import Tenant

KIND = "shipment"


@register_pipeline(KIND)
def sync_shipment(record: SyncRecord) -> dict | None:
    if is_drop_ship(record.external_id):
        return sync_drop_ship(record)  # a drop-ship purchase receipt, read as a shipment
    previous = (record.snapshot or {}).get("shipment") if isinstance(record.snapshot, dict) else None
    with open_clients(record.tenant, record.call_recorder()) as (bc, ac):
        shipment = read_shipment(ac, record.external_id)
        record.store_snapshot({"shipment": shipment})
        return ShipmentSync(record, record.tenant, bc, ac, record.external_id).run(shipment, previous)


def read_shipment(ac: AcumaticaClient, shipment_nbr: str) -> dict | None:
    """The shipment with its lines and packages, or None when it no longer exists (it was deleted)."""
    return first(ac.query("Shipment", filter=f"ShipmentNbr eq {odata_string(shipment_nbr)}",
                          expand="Details,Packages"))


def exported(tenant: Tenant, shipment_nbr: str) -> dict[int, list[int]]:
    """BigCommerce order id -> ids of the BigCommerce shipments we made for this Acumatica shipment."""
    made: dict[int, list[int]] = {}
    for bc_id in Binding.objects.filter(tenant=tenant, kind=KIND, acumatica_key=shipment_nbr).values_list(
            "bc_id", flat=True):
        order_id, shipment_id = bc_id.split("/", 1)
        made.setdefault(int(order_id), []).append(int(shipment_id))
    return made


def unbind(tenant: Tenant, order_id: int, shipment_id: int) -> None:
    Binding.objects.filter(tenant=tenant, kind=KIND, bc_id=f"{order_id}/{shipment_id}").delete()


class ShipmentSync:
    def __init__(self, record: SyncRecord, tenant: Tenant, bc: BigCommerceClient, ac: AcumaticaClient,
                 shipment_nbr: str) -> None:
        self.record, self.tenant, self.bc, self.ac, self.nbr = record, tenant, bc, ac, shipment_nbr
        self.store = tenant.bigcommerce.store_hash

    def run(self, shipment: dict | None, previous: dict | None = None) -> dict | None:
        made = exported(self.tenant, self.nbr)
        if shipment is None or not mapping.is_shipped(shipment):
            state = "was deleted in Acumatica" if shipment is None else f"is {shipment.get('Status')}"
            orders = set(made)
            if previous and mapping.is_shipped(previous):
                # Shipped when last read: a run may have created BigCommerce shipments it could not bind (a crash).
                orders |= {group.order_id for group in self.order_groups(previous)[0]}
            if not orders:
                self.record.filter(f"Shipment {self.nbr} {state}; only confirmed shipments go to BigCommerce. "
                                   "Its confirmation brings it here.")
                return None
            deleted = [self.withdraw(order_id, made.get(order_id, [])) for order_id in sorted(orders)]
            count = sum(len(d["deleted"]) for d in deleted)
            return self.result([], deleted, note=f"Shipment {self.nbr} {state}: {count} BigCommerce shipment(s) "
                                                 "deleted.")
        groups, foreign = self.order_groups(shipment)
        if not groups:
            self.record.filter(f"Shipment {self.nbr} ships sales order(s) {', '.join(foreign)}, which did not come "
                               "from this BigCommerce store through the connector: nothing to send.")
            return None
        shipped = [self.ship(shipment, group) for group in groups]
        gone = [self.withdraw(order_id, ids) for order_id, ids in made.items()
                if order_id not in {g.order_id for g in groups}]
        return self.result(shipped, gone, note=f"Not from this store: {', '.join(foreign)}." if foreign else "")

    def result(self, shipped: list[dict], deleted: list[dict], note: str = "") -> dict:
        keys = [f"{s['order_id']}/{s['shipment_id']}" for s in shipped]
        return {"acumatica_key": self.nbr, "bigcommerce_key": ", ".join(keys) or "-", "shipments": shipped,
                "deleted": deleted, "note": note}

    # -- sales order -> BigCommerce order ----------------------------------------------------------

    def order_groups(self, shipment: dict) -> tuple[list[mapping.OrderShipment], list[str]]:
        groups, foreign = [], []
        for (order_type, order_nbr), lines in mapping.shipped_orders(shipment).items():
            order_id = self.bc_order_id(order_type, order_nbr)
            if order_id is None:
                foreign.append(f"{order_type}/{order_nbr}")
            else:
                groups.append(mapping.OrderShipment(order_id, order_type, order_nbr, lines))
        return groups, foreign

    def bc_order_id(self, order_type: str, order_nbr: str) -> int | None:
        bc_id = Binding.objects.filter(tenant=self.tenant, kind="order", acumatica_key=f"{order_type}/{order_nbr}"
                                       ).values_list("bc_id", flat=True).first()
        if bc_id:
            return int(bc_id)
        sales_order = self.sales_order(order_type, order_nbr)
        prefix = order_ref("", self.store)
        reference = str(sales_order.get("ExternalRef") or "")
        if reference.startswith(prefix) and reference[len(prefix):].isdigit():
            return int(reference[len(prefix):])
        return None

    def sales_order(self, order_type: str, order_nbr: str) -> dict:
        return unwrap(self.ac.get("SalesOrder", [order_type, order_nbr], expand="Details"))

    # -- one BigCommerce order ---------------------------------------------------------------------

    def ship(self, shipment: dict, group: mapping.OrderShipment) -> dict:
        products, addresses = self.bc.get_shipping_lines(group.order_id)
        so_lines = {str(line.get("LineNbr")): line for line in
                    self.sales_order(group.order_type, group.order_nbr).get("Details") or []}
        inventory_ids = inventory_ids_for(self.tenant, [p.get("sku") or "" for p in products])
        items = mapping.shipped_items(group, so_lines, products, inventory_ids, self.nbr)
        ours = self.ours(group.order_id)
        mapping.check_quantities(items, products, ours, group.order_id, self.nbr)
        if not addresses:
            raise mapping.ShipmentProblem(f"BigCommerce order #{group.order_id} has no shipping address to ship to "
                                          f"(a digital order?); shipment {self.nbr} cannot be recorded on it.")
        provider = mapping.shipping_provider(shipment.get("ShipVia"), self.tenant.shipping_provider_map or {},
                                             self.tenant.default_shipping_provider)
        body = mapping.shipment_body(shipment, int(addresses[0]["id"]), items, provider)
        return self.put_in_place(group.order_id, ours, body)

    def ours(self, order_id: int) -> list[dict]:
        """Our BigCommerce shipments on the order for this Acumatica shipment: bound, or found by the marker."""
        bound = set(exported(self.tenant, self.nbr).get(order_id, []))
        return [s for s in self.bc.list_shipments(order_id)
                if int(s["id"]) in bound or mapping.is_ours(s, self.nbr)]

    def put_in_place(self, order_id: int, ours: list[dict], body: dict) -> dict:
        """Keeps (or updates) one matching shipment, deletes the rest, creates one if none is left."""
        keep = next((s for s in ours if mapping.same_items(s, body["items"])), None)
        for extra in ours:
            if extra is not keep:
                self.bc.delete_shipment(order_id, int(extra["id"]))
                unbind(self.tenant, order_id, int(extra["id"]))
        if keep is None:
            action, kept = "created", self.bc.create_shipment(order_id, body)
        else:
            changes = mapping.changed_fields(keep, body)
            action, kept = ("updated", self.bc.update_shipment(order_id, int(keep["id"]), changes)) if changes \
                else ("unchanged", keep)
        bind(self.tenant, KIND, f"{order_id}/{int(kept['id'])}", self.nbr)
        return {"order_id": order_id, "shipment_id": int(kept["id"]), "action": action,
                "tracking_number": body["tracking_number"], "items": body["items"],
                "replaced": [int(s["id"]) for s in ours if s is not keep]}

    def withdraw(self, order_id: int, shipment_ids: list[int]) -> dict:
        """Deletes our BigCommerce shipments on an order (bound ones and any found by the marker)."""
        ids = set(shipment_ids) | {int(s["id"]) for s in self.bc.list_shipments(order_id) if mapping.is_ours(s, self.nbr)}
        for shipment_id in sorted(ids):
            self.bc.delete_shipment(order_id, shipment_id)
            unbind(self.tenant, order_id, shipment_id)
        return {"order_id": order_id, "deleted": sorted(ids)}
