"""Guards on where a connection may point, shared by the onboarding form and the admin forms."""
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def validate_instance_url(url: str) -> None:
    if not url:
        return
    if not settings.DEBUG and not url.lower().startswith("https://"):
        raise ValidationError("The Acumatica instance URL must start with https:// (credentials travel over it).")
    if urlsplit(url).username is not None:
        raise ValidationError("Put the user name in the Username field, not in the URL.")


def validate_bigcommerce_api_root(url: str) -> None:
    # Only the sandbox needs another API root; elsewhere the field would let anyone make this server
    # send the store's token to a host of their choosing.
    if url and not settings.SANDBOX_ENABLED:
        raise ValidationError("Leave this empty: only the real BigCommerce API can be used here.")
