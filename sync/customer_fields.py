"""What an Acumatica customer should say about a BigCommerce shopper, and who gets the last word.

The fields come in three groups a merchant can give to either system (tenant settings
`customer_name_owner`, `customer_contact_owner`, `customer_address_owner`):

- name: CustomerName, the account name: the shopper's company (B2B), else the person's name.
- contact: MainContact Attention (the person), Email and Phone1.
- address: MainContact Address (AddressLine1/2, City, State, PostalCode, Country).

For a customer the connector created, BigCommerce owns every group. For one it matched by e-mail,
each group follows the tenant's setting: "acumatica" (the default) keeps every value Acumatica has
and fills only blank fields, the address only as a whole when Acumatica has none (half of one
address mixed with half of another is wrong on every statement); "bigcommerce" replaces them.
A shopper without an address never blanks Acumatica's.
"""
from dataclasses import dataclass, field

from sync.addresses import ADDRESS_FIELDS, PostalAddress, acumatica_address, from_order_address, main_address
from sync.field_lengths import ValueTooLong, require_fit, shorten
from sync.subdivisions import UnknownPlace

GROUPS = ("name", "contact", "address")
ACUMATICA, BIGCOMMERCE = "acumatica", "bigcommerce"
CREATED_OWNERS = {group: BIGCOMMERCE for group in GROUPS}
GROUP_FIELDS = {
    "name": ("CustomerName",),
    "contact": ("MainContact/Attention", "MainContact/Email", "MainContact/Phone1"),
    "address": tuple(f"MainContact/Address/{name}" for name in ADDRESS_FIELDS),
}


@dataclass(frozen=True)
class Shopper:
    """A BigCommerce shopper as far as Acumatica cares; `label` names it in messages."""
    label: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    phone: str = ""
    address: PostalAddress | None = None

    @property
    def person(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


def _text(source: dict, key: str) -> str:
    return str(source.get(key) or "").strip()


def shopper_from_customer(customer: dict) -> Shopper:
    """A registered shopper from the v3 customer (with include=addresses)."""
    return Shopper(label=f"BigCommerce customer {customer.get('id')}", email=_text(customer, "email"),
                   first_name=_text(customer, "first_name"), last_name=_text(customer, "last_name"),
                   company=_text(customer, "company"), phone=_text(customer, "phone"),
                   address=main_address(customer))


def shopper_from_order(person: dict, billing: dict | None, label: str) -> Shopper:
    """A shopper met on an order: `person` is the v3 customer or, for guests, the v2 billing
    address (both use first_name/last_name/company/email/phone); `billing` is a v2 order address."""
    address = from_order_address(billing) if billing else None
    if "addresses" in person:           # a v3 customer: its own address book comes first
        address = main_address(person) or address
    return Shopper(label=label, email=_text(person, "email"), first_name=_text(person, "first_name"),
                   last_name=_text(person, "last_name"), company=_text(person, "company"),
                   phone=_text(person, "phone"), address=address)


@dataclass
class Wanted:
    """Flat field paths ("MainContact/Address/City") -> values, per group; notes for the audit trail."""
    groups: dict[str, dict[str, str]]
    notes: list[str] = field(default_factory=list)
    # An address Acumatica cannot hold (unknown state, too long) matters only where it would be sent.
    address_problem: Exception | None = None

    def all_fields(self) -> dict[str, str]:
        if self.address_problem is not None:
            raise self.address_problem
        return {path: value for values in self.groups.values() for path, value in values.items()}


def wanted_fields(shopper: Shopper) -> Wanted:
    """Raises ValueTooLong (permanent) for a contact Acumatica cannot hold; an address it cannot hold
    is kept as `address_problem`, raised when the address would be sent."""
    notes: list[str] = []
    account_name, note = shorten("Customer", "CustomerName", shopper.company or shopper.person or shopper.email)
    notes += [f"{shopper.label}: {note}"] if note else []
    attention, note = shorten("Contact", "Attention", shopper.person)
    notes += [f"{shopper.label}: {note}"] if note else []
    groups = {
        "name": {"CustomerName": account_name},
        "contact": {"MainContact/Attention": attention,
                    "MainContact/Email": require_fit("Contact", "Email", shopper.email, f"{shopper.label}'s e-mail"),
                    "MainContact/Phone1": require_fit("Contact", "Phone1", shopper.phone, f"{shopper.label}'s phone")},
        "address": {},
    }
    problem = None
    if shopper.address is not None and not shopper.address.is_empty:
        try:
            address = acumatica_address(shopper.address, f"{shopper.label}'s address")
            groups["address"] = {f"MainContact/Address/{name}": value for name, value in address.items()}
        except (UnknownPlace, ValueTooLong) as error:
            problem = error
            groups["address"] = {f"MainContact/Address/{name}": "" for name in ADDRESS_FIELDS}
    return Wanted(groups, notes, problem)


def read_path(record: dict, path: str) -> str:
    value: object = record
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def nest(flat: dict[str, str]) -> dict:
    """{"MainContact/Address/City": "X"} -> {"MainContact": {"Address": {"City": "X"}}}"""
    out: dict = {}
    for path, value in flat.items():
        *parents, leaf = path.split("/")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


@dataclass
class Plan:
    changes: dict[str, str]                       # flat path -> new value
    kept: dict[str, tuple[str, str]]              # flat path -> (Acumatica's value, BigCommerce's value)


def plan_update(current: dict, wanted: Wanted, owners: dict[str, str]) -> Plan:
    """What to send to make `current` (an unwrapped Acumatica customer) agree with the owners."""
    changes: dict[str, str] = {}
    kept: dict[str, tuple[str, str]] = {}
    for group, values in wanted.groups.items():
        if not values:
            continue  # nothing from BigCommerce (no address): Acumatica's stays as it is
        have = {path: read_path(current, path) for path in values}
        if owners.get(group) == BIGCOMMERCE:
            writable = set(values)
        elif group == "address":
            writable = set(values) if not any(have[p] for p in values if not p.endswith("/Country")) else set()
        else:
            writable = {path for path in values if not have[path]}
        if group == "address" and wanted.address_problem is not None:
            if writable:
                raise wanted.address_problem
            continue
        for path, value in values.items():
            if have[path] == value:
                continue
            if path in writable:
                changes[path] = value
            elif value:
                kept[path] = (have[path], value)
    return Plan(changes, kept)
