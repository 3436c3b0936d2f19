"""Postal addresses from every BigCommerce source, and the Acumatica Address made from them.

BigCommerce names the same things differently per API, which is how a v3 address once reached a
v2 reader and blanked customers' addresses in Acumatica. Each source has its own reader here:

- v2 order addresses (`billing_address`, `shipping_addresses[]`): street_1, street_2, city, state
  (a name), zip, country (a name), country_iso2, phone, email.
- v3 customer addresses (`/v3/customers?include=addresses`, `/v3/customers/addresses`): address1,
  address2, city, state_or_province (a name), postal_code, country_code, country, phone.
- a v3 customer: its main address is its first address (lowest id; v3 has no default flag).

`acumatica_address` turns any of them into an Acumatica `Address` (AddressLine1/2, City, State,
PostalCode, Country) with ISO codes (sync/subdivisions.py) and Acumatica's field lengths
(sync/field_lengths.py): an over-long first line continues on the second, anything else too long
stops the record with a message.
"""
from dataclasses import dataclass

from sync.field_lengths import fit_lines, require_fit
from sync.subdivisions import country_id, state_id

ADDRESS_FIELDS = ("AddressLine1", "AddressLine2", "City", "State", "PostalCode", "Country")


@dataclass(frozen=True)
class PostalAddress:
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""          # a name or a code, as BigCommerce has it
    postal_code: str = ""
    country_code: str = ""   # ISO alpha-2 when BigCommerce gives one
    country_name: str = ""
    phone: str = ""
    email: str = ""

    @property
    def is_empty(self) -> bool:
        return not any((self.line1, self.line2, self.city, self.state, self.postal_code))

    @property
    def person(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


def _text(source: dict, key: str) -> str:
    value = source.get(key)
    return "" if value is None else str(value).strip()


def from_order_address(address: dict) -> PostalAddress:
    """A v2 order's billing address or one of its shipping addresses."""
    # Reference: specs/bigcommerce/orders.v2.oas2.yml billingAddress / orderShippingAddress_Base.
    return PostalAddress(
        first_name=_text(address, "first_name"), last_name=_text(address, "last_name"),
        company=_text(address, "company"), line1=_text(address, "street_1"), line2=_text(address, "street_2"),
        city=_text(address, "city"), state=_text(address, "state"), postal_code=_text(address, "zip"),
        country_code=_text(address, "country_iso2"), country_name=_text(address, "country"),
        phone=_text(address, "phone"), email=_text(address, "email"))


def from_customer_address(address: dict) -> PostalAddress:
    """A v3 customer address (it has no e-mail; the customer has)."""
    # Reference: specs/bigcommerce/customers.v3.yml address_Full.
    return PostalAddress(
        first_name=_text(address, "first_name"), last_name=_text(address, "last_name"),
        company=_text(address, "company"), line1=_text(address, "address1"), line2=_text(address, "address2"),
        city=_text(address, "city"), state=_text(address, "state_or_province"),
        postal_code=_text(address, "postal_code"), country_code=_text(address, "country_code"),
        country_name=_text(address, "country"), phone=_text(address, "phone"))


def main_address(customer: dict) -> PostalAddress | None:
    """A v3 customer's main address: the first one it added (lowest id), or None without addresses."""
    addresses = [a for a in customer.get("addresses") or [] if isinstance(a, dict)]
    if not addresses:
        return None
    return from_customer_address(min(addresses, key=lambda a: int(a.get("id") or 0)))


def acumatica_address(address: PostalAddress, what: str = "The address") -> dict:
    """Acumatica Address fields; raises UnknownPlace or ValueTooLong with a message naming `what`."""
    country = country_id(address.country_code, address.country_name)
    line1, line2 = fit_lines("Address", ("AddressLine1", "AddressLine2"), address.line1, address.line2, what)
    return {
        "AddressLine1": line1, "AddressLine2": line2,
        "City": require_fit("Address", "City", address.city, f"{what}: city"),
        "State": require_fit("Address", "State", state_id(country, address.state), f"{what}: state"),
        "PostalCode": require_fit("Address", "PostalCode", address.postal_code, f"{what}: postal code"),
        "Country": country,
    }
