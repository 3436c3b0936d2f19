"""Re-encrypt every secret with the first key of FERNET_KEYS.

Rotation: put the new key first (FERNET_KEYS=new,old), run this command, then drop the old key.
Values already encrypted with the first key are left alone, so the command can be re-run safely.
"""
from cryptography.fernet import Fernet, InvalidToken
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from tenants.crypto import encrypted_fields


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first key in FERNET_KEYS."

    def handle(self, *args, **options) -> None:
        rewritten = 0
        for model, names in encrypted_fields():
            rewritten += self._rotate_model(model, names)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rewritten} value(s) with the first key."))

    def _rotate_model(self, model, names: list[str]) -> int:
        primary = Fernet(model._meta.get_field(names[0]).fernet_keys[0])
        rewritten = 0
        with transaction.atomic():
            for obj in model.objects.select_for_update().only("pk", *names):
                stale = [name for name in names if self._needs_rotation(model, obj.pk, name, primary)]
                if stale:
                    # Saving the decrypted values encrypts them again with the first key.
                    model.objects.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in stale})
                    rewritten += len(stale)
        return rewritten

    @staticmethod
    def _needs_rotation(model, pk, name: str, primary: Fernet) -> bool:
        column = connection.ops.quote_name(model._meta.get_field(name).column)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",
                           [pk])
            raw = cursor.fetchone()[0]
        if raw is None:
            return False
        try:
            primary.decrypt(bytes(raw))
            return False
        except InvalidToken:
            return True
