"""Countries and states the way Acumatica wants them: ISO 3166-1 alpha-2 country IDs and ISO 3166-2
subdivision codes without the country prefix ("Texas" -> "TX", "New South Wales" -> "NSW").

BigCommerce addresses carry state *names* (v2 `state`, v3 `state_or_province`); Acumatica's State
field is a State ID from its Countries/States table, whose stock entries are these ISO codes. The
ISO data comes from the maintained `pycountry` package (pinned in requirements.txt). A name or code
that matches no subdivision of the country stops the record with a message instead of sending a
State Acumatica would refuse or, worse, leaving it out without a word. For a country without any
ISO 3166-2 subdivisions the text is sent as it is (Acumatica validates State only against the
states listed for the country).
"""
import functools
import unicodedata

import pycountry


class UnknownPlace(Exception):
    """A country or state we cannot turn into an ISO code: the merchant must correct the address."""

    permanent = True


def _key(text: str) -> str:
    # "Québec", "QUEBEC" and " quebec " are one key: accents off, case folded, spaces squeezed.
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(plain.casefold().split())


@functools.cache
def _subdivisions(country: str) -> dict[str, str]:
    """Every name and code of the country's subdivisions (folded) -> Acumatica State ID."""
    table: dict[str, str] = {}
    for sub in pycountry.subdivisions.get(country_code=country) or []:
        state_id = sub.code.split("-", 1)[1]
        table.setdefault(_key(state_id), state_id)
        table.setdefault(_key(sub.name), state_id)
    return table


def state_ids(country: str) -> set[str]:
    """The State IDs of a country (empty when ISO 3166-2 lists no subdivisions for it)."""
    return set(_subdivisions(country.upper()).values())


def country_id(code: str, name: str = "") -> str:
    """The ISO alpha-2 code from a code (preferred) or, failing that, a country name; "" for neither."""
    for candidate in (code, name):
        if candidate and candidate.strip():
            try:
                return pycountry.countries.lookup(candidate.strip()).alpha_2
            except LookupError:
                continue
    if (code or "").strip() or (name or "").strip():
        raise UnknownPlace(f"Country {code or name!r} is not an ISO 3166 country. "
                           "Correct the address in BigCommerce, then replay the record.")
    return ""


def state_id(country: str, state: str) -> str:
    """Acumatica's State ID for a state name or code of `country`; "" for no state."""
    if not (state or "").strip():
        return ""
    table = _subdivisions((country or "").upper())
    if not table:
        return state.strip()    # no states listed for the country: Acumatica keeps the text as typed
    found = table.get(_key(state))
    if found is None:
        raise UnknownPlace(f"State {state!r} is not a state or province of {country or 'an unknown country'} "
                           "in ISO 3166-2, so Acumatica has no State ID for it. Correct the address in BigCommerce "
                           "(or add the state to Acumatica's Countries/States and to the address), then replay.")
    return found
