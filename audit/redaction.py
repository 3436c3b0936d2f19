"""Second line of defence for secrets in stored audit bodies, and the size cap.

The HTTP layer already redacts what it reports; this module redacts again before anything is
written to an AuditEvent, because a missed header or a secret echoed back in an error body would
otherwise sit in the database for as long as the audit is kept.
"""
import functools
import json
import re
from typing import Any

from sync.http import redact_values

__all__ = ["REDACTED", "clean_body", "clean_url", "redact_data", "redact_headers", "redact_text", "redact_values"]

REDACTED = "[redacted]"
MAX_BODY_CHARS = 64 * 1024  # a large Acumatica sales order is ~20 kB of JSON; leave room
MAX_URL_CHARS = 2000

# Key names (compared lower-case, ignoring "-" and "_") whose values are secrets wherever they appear.
SECRET_KEY_WORDS = ("password", "secret", "token", "authorization", "cookie", "apikey", "signature",
                    "credential", "privatekey")
_FORM_PAIR = re.compile(r"(?P<key>[A-Za-z0-9_\-\.]+)=(?P<value>[^&\s]*)")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-\._~\+/=]+")


@functools.lru_cache(maxsize=4096)  # a catalog push walks the same few key names hundreds of thousands of times
def is_secret_key(key: str) -> bool:
    squashed = key.lower().replace("-", "").replace("_", "")
    return any(word in squashed for word in SECRET_KEY_WORDS)


def redact_data(data: Any) -> Any:
    """A copy of JSON-like data with the values of secret-named keys replaced."""
    if isinstance(data, dict):
        return {k: (REDACTED if is_secret_key(str(k)) and v not in (None, "") else redact_data(v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [redact_data(item) for item in data]
    return data


def redact_headers(headers: dict[str, str] | None) -> dict[str, str]:
    return {k: (REDACTED if is_secret_key(k) else str(v)) for k, v in (headers or {}).items()}


def _redact_form(text: str) -> str:
    # OAuth token requests are form-encoded: grant_type=password&username=..&password=..
    def swap(match: re.Match) -> str:
        key = match.group("key")
        return f"{key}={REDACTED}" if is_secret_key(key) else match.group(0)
    return _FORM_PAIR.sub(swap, text)


def redact_text(text: str, known_secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Redacts a body given as text: JSON by key name, else form pairs; then any known secret value."""
    try:
        text = json.dumps(redact_data(json.loads(text)), ensure_ascii=False)
    except (ValueError, TypeError):
        text = _redact_form(text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return redact_values(text, known_secrets)  # every stored secret, whatever its length


def cap(text: str, limit: int = MAX_BODY_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n…[truncated {len(text) - limit} characters]"


def clean_body(body: Any, known_secrets: list[str] | tuple[str, ...] = ()) -> str:
    """Body ready to store: text, redacted, capped. Dicts and lists are serialised as JSON first."""
    if body is None or body == "":
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not isinstance(body, str):
        body = json.dumps(body, ensure_ascii=False, default=str)
    return cap(redact_text(body, known_secrets))


def clean_url(url: str, known_secrets: list[str] | tuple[str, ...] = ()) -> str:
    return cap(redact_text(_redact_form(url), known_secrets), MAX_URL_CHARS) if url else ""
