"""Helpers around the encrypted fields: which fields hold secrets, and key-change handling."""
import secrets

from django.apps import apps
from django.core.signals import setting_changed
from django.dispatch import receiver
from fernet_fields import EncryptedField


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every (model, [encrypted field names]) in the project."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedField)]
        if names:
            found.append((model, names))
    return found


def forget_cached_keys() -> None:
    """The encrypted fields cache their Fernet objects; drop them so new FERNET_KEYS take effect."""
    for model, names in encrypted_fields():
        for name in names:
            field = model._meta.get_field(name)
            for attr in ("keys", "fernet_keys", "fernet"):
                field.__dict__.pop(attr, None)


@receiver(setting_changed)
def _on_setting_changed(setting: str, **kwargs) -> None:
    if setting in ("FERNET_KEYS", "SECRET_KEY"):
        forget_cached_keys()


def new_secret() -> str:
    return secrets.token_urlsafe(32)
