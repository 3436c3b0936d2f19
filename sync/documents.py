"""Small helpers shared by the pipelines that create Acumatica documents (orders, refunds)."""
from sync.acumatica import AcumaticaClient, unwrap, wrap

RELEASED = {"Open", "Closed", "Released"}


def first(rows) -> dict | None:
    for row in rows:
        return unwrap(row)
    return None


def release(ac: AcumaticaClient, document: dict, entity: str, action: str) -> None:
    """Releases a payment or invoice unless Acumatica already did (a re-run finds it released)."""
    if document.get("Status") not in RELEASED:
        ac.invoke_action(entity, action, wrap({"Type": document["Type"], "ReferenceNbr": document["ReferenceNbr"]}))
