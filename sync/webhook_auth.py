"""Is this BigCommerce webhook delivery really from BigCommerce, for this tenant?

Three proofs are understood (see shared/reference/bigcommerce-api.md §1.1 and DESIGN.md):
1. the per-tenant secret header we register with every hook (BigCommerce echoes hook `headers`);
2. a Standard Webhooks signature: `webhook-signature: v1,<base64 HMAC-SHA256>` over
   "{webhook-id}.{webhook-timestamp}.{raw body}" keyed with the app's client secret, timestamp fresh;
3. an `X-BC-Signature`: HMAC-SHA256 of the raw body with the client secret (hex or base64), which some
   guides describe although BigCommerce does not document it.
A delivery needs at least one proof, and every signature it carries must be valid: a forged signature
next to a correct header is still a forgery. All comparisons are constant-time.
"""
import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping

SECRET_HEADER = "X-Connector-Webhook-Secret"
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60


class DeliveryRefused(Exception):
    """The delivery cannot be trusted; `reason` is short and safe to return to the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""


def _bytes(text: str) -> bytes:
    # Header values are latin-1 text from WSGI and may hold anything; compare bytes, never str
    # (compare_digest refuses non-ASCII str with TypeError).
    return text.encode("utf-8", "surrogatepass")


def _hmac_sha256(key: str, message: bytes) -> bytes:
    return hmac.new(_bytes(key), message, hashlib.sha256).digest()


TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "²".isdigit() is True but int() refuses it


def _standard_webhooks_valid(headers: Mapping[str, str], body: bytes, client_secret: str, now: float) -> bool:
    msg_id, timestamp = _header(headers, "webhook-id"), _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not (msg_id and TIMESTAMP.fullmatch(timestamp) and client_secret):
        return False
    if abs(now - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return False
    expected = base64.b64encode(_hmac_sha256(client_secret, _bytes(f"{msg_id}.{timestamp}.") + body))
    candidates = [_bytes(part.split(",", 1)[1]) for part in signatures.split() if part.startswith("v1,")]
    # Check every candidate so the time taken does not depend on which one matched.
    return sum(hmac.compare_digest(expected, candidate) for candidate in candidates) > 0


def _bc_signature_valid(signature: str, body: bytes, client_secret: str) -> bool:
    if not client_secret:
        return False
    digest = _hmac_sha256(client_secret, body)
    supplied = _bytes(signature.strip())
    hex_ok = hmac.compare_digest(digest.hex().encode(), supplied.lower())
    b64_ok = hmac.compare_digest(base64.b64encode(digest), supplied)
    return hex_ok or b64_ok


def verify_delivery(headers: Mapping[str, str], body: bytes, *, header_secret: str, client_secret: str,
                    now: float | None = None) -> str:
    """Returns which proof authenticated the delivery; raises DeliveryRefused otherwise."""
    now = time.time() if now is None else now
    proofs = []
    supplied = _header(headers, SECRET_HEADER)
    if supplied:
        if not (header_secret and hmac.compare_digest(_bytes(supplied), _bytes(header_secret))):
            raise DeliveryRefused("secret header does not match")
        proofs.append("secret-header")
    if _header(headers, "webhook-signature"):
        if not _standard_webhooks_valid(headers, body, client_secret, now):
            raise DeliveryRefused("webhook-signature is invalid or its timestamp is not within 5 minutes")
        proofs.append("standard-webhooks")
    bc_signature = _header(headers, "X-BC-Signature")
    if bc_signature:
        if not _bc_signature_valid(bc_signature, body, client_secret):
            raise DeliveryRefused("X-BC-Signature is invalid")
        proofs.append("x-bc-signature")
    if not proofs:
        raise DeliveryRefused("missing authentication: no secret header or signature")
    return "+".join(proofs)
