"""Links from a sync record to the object in each system's own screens.

BigCommerce: the order in the store's control panel (store-<hash>.mybigcommerce.com/manage/orders/<id>).
Acumatica: the document's screen (<instance>/Main?ScreenId=<screen>&<keys>), e.g. SO301000 for a sales
order. Tenants wired to the sandbox get the sandbox's admin pages instead, which exist.
A shipment goes to its Acumatica shipment (SO302000) and to the BigCommerce order it was recorded on (the
control panel shows an order's shipments on the order); a drop-ship ("PR-<receipt>", sync/shipments_dropship.py)
goes to its purchase receipt (PO302000, receipt type RT).
"""
from urllib.parse import urlencode

from audit.models import SyncRecord
from sync.shipments_dropship import PREFIX as DROP_SHIP_PREFIX

# record kind -> (Acumatica screen, key names in the order they appear in acumatica_key "A/B")
ACUMATICA_SCREENS = {
    "order": ("SO301000", ("OrderType", "OrderNbr")),
    "customer": ("AR303000", ("AcctCD",)),
    "product": ("IN202500", ("InventoryCD",)),
    "shipment": ("SO302000", ("ShipmentNbr",)),
}
DROP_SHIP_RECEIPT = ("PO302000", ("ReceiptType", "ReceiptNbr"))
BIGCOMMERCE_PAGES = {"order": "orders", "customer": "customers", "product": "products", "shipment": "orders"}


def _is_sandbox(url: str, marker: str) -> bool:
    return f"/sandbox/{marker}/" in (url or "")


def bigcommerce_object_id(record: SyncRecord) -> str:
    """The id on the record's BigCommerce page; for a shipment, its first order ("<order>/<shipment>, ...")."""
    if record.kind == "shipment":
        first_key = record.bigcommerce_key.split(",")[0].strip()
        return first_key.split("/")[0] if "/" in first_key else ""
    return record.bigcommerce_key or (record.external_id if record.direction == SyncRecord.Direction.TO_ACUMATICA else "")


def bigcommerce_label(record: SyncRecord) -> str:
    return f"order {bigcommerce_object_id(record)}" if record.kind == "shipment" else \
        f"{record.kind} {bigcommerce_object_id(record)}"


def bigcommerce_url(record: SyncRecord) -> str:
    connection = getattr(record.tenant, "bigcommerce", None)
    object_id = bigcommerce_object_id(record)
    page = BIGCOMMERCE_PAGES.get(record.kind)
    if connection is None or not object_id or not page:
        return ""
    if _is_sandbox(connection.api_base_url, "bigcommerce"):
        model = {"orders": "order", "customers": "customer", "products": "product"}[page]
        return f"/admin/sandbox_bigcommerce/{model}/?" + urlencode({"q": object_id})
    return f"https://store-{connection.store_hash}.mybigcommerce.com/manage/{page}/{object_id}"


def acumatica_url(record: SyncRecord) -> str:
    connection = getattr(record.tenant, "acumatica", None)
    key = record.acumatica_key or (record.external_id if record.direction == SyncRecord.Direction.TO_BIGCOMMERCE else "")
    screen = ACUMATICA_SCREENS.get(record.kind)
    if record.kind == "shipment" and key.startswith(DROP_SHIP_PREFIX):
        screen, key = DROP_SHIP_RECEIPT, f"RT/{key[len(DROP_SHIP_PREFIX):]}"
    if connection is None or not key or not screen:
        return ""
    if _is_sandbox(connection.instance_url, "acumatica"):
        return "/admin/sandbox_acumatica/record/?" + urlencode({"q": key.split("/")[-1]})
    screen_id, names = screen
    values = key.split("/", len(names) - 1)
    if len(values) != len(names):
        return ""
    query = urlencode({"ScreenId": screen_id, **dict(zip(names, values))})
    return f"{connection.instance_url.rstrip('/')}/Main?{query}"
