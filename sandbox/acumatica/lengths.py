"""Maximum lengths of the string fields the connector writes, and the 422 the sandbox answers past them.

The endpoint specs carry no `maxLength`; the limits are the database sizes of the fields each contract field
maps to (endpoint XML <Mapping> -> DAC field, sized by its PXDBString attribute in Acumatica's DAC reference):
BAccount.AcctCD 30 and AcctName 255, Contact.EMail 255 / Phone1 50 / DisplayName 255 / FullName 255 /
Attention 255 / FirstName 50 / LastName 100, Address.AddressLine1-2 50 / City 50 / State 50 / PostalCode 20
/ CountryID 2, SOOrder.CustomerOrderNbr 40 / CustomerRefNbr 40 / OrderDesc 256, SOLine.TranDesc 256,
ARPayment.ExtRefNbr 40, ARRegister.DocDesc 256, InventoryItem.InventoryCD 30 / Descr 256.
They are the same in Default 22, 23 and 24.200.001 (the fields map to the same DAC fields in each XML).
The connector keeps its own table (sync/acumatica_field_lengths.json); this one stays apart on purpose, like
the rest of the simulator, so a wrong limit on the connector's side is caught here rather than shared.
What a real site answers for an over-long value is not documented (integrators report SQL Server's "String
or binary data would be truncated" as a 500); either way nothing is saved. The sandbox answers in the
documented 422 shape, the record with an `error` on the field (reference/acumatica-api.md §3), so the
merchant-facing message names the field.
"""
CONTACT = {"Email": 255, "Phone1": 50, "Phone2": 50, "DisplayName": 255, "FullName": 255, "Attention": 255,
           "FirstName": 50, "LastName": 100, "CompanyName": 255}
ADDRESS = {"AddressLine1": 50, "AddressLine2": 50, "City": 50, "State": 50, "PostalCode": 20, "Country": 2}
LENGTHS: dict[str, dict[str, int]] = {
    "Customer": {"CustomerID": 30, "CustomerName": 255, "Email": 255},
    "Contact": CONTACT,
    "DocContact": {"Attention": 255, "BusinessName": 255, "Email": 255, "Phone1": 50},
    "Address": ADDRESS,
    "SalesOrder": {"OrderType": 2, "OrderNbr": 15, "CustomerID": 30, "CustomerOrder": 40, "ExternalRef": 40,
                   "Description": 256},
    "SalesOrderDetail": {"InventoryID": 30, "LineDescription": 256, "UOM": 6},
    "SalesInvoice": {"CustomerID": 30, "CustomerOrder": 40, "Description": 256},
    "SalesInvoiceDetail": {"InventoryID": 30, "TransactionDescr": 256},
    "Payment": {"CustomerID": 30, "PaymentRef": 40, "Description": 256},
    "StockItem": {"InventoryID": 30, "Description": 256},
    "NonStockItem": {"InventoryID": 30, "Description": 256},
}


def too_long(field_label: str, limit: int) -> str:
    return f"'{field_label}' cannot be longer than {limit} characters."


def length_errors(version: str, type_name: str, plain: dict, path: str = "") -> dict[str, str]:
    """{path: message} for every string longer than its field allows, through linked and detail objects."""
    from .schema import type_fields
    fields = type_fields(version, type_name) or {}
    limits = LENGTHS.get(type_name, {})
    errors: dict[str, str] = {}
    for name, value in plain.items():
        type_ = fields.get(name)
        if type_ is None:
            continue
        if isinstance(value, str) and name in limits and len(value) > limits[name]:
            errors[f"{path}{name}"] = too_long(name, limits[name])
        elif isinstance(value, dict):
            errors.update(length_errors(version, type_, value, f"{path}{name}/"))
        elif isinstance(value, list) and type_.endswith("[]"):
            for n, row in enumerate(value):
                if isinstance(row, dict):
                    errors.update(length_errors(version, type_[:-2], row, f"{path}{name}/{n}/"))
    return errors


def check_lengths(version: str, type_name: str, plain: dict) -> None:
    from .documents import Invalid
    errors = length_errors(version, type_name, plain)
    if errors:
        raise Invalid(type_name, plain, errors)
