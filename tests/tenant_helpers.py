"""Shared bits of the tenant tests: the secrets the fixtures store, and reading raw column bytes."""
from django.db import connection

from tenants.crypto import encrypted_fields


def raw_secret_columns() -> bytes:
    """Every encrypted column of every row, as the database stores it, concatenated."""
    chunks = []
    with connection.cursor() as cursor:
        for model, names in encrypted_fields():
            columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
            cursor.execute(f"SELECT {columns} FROM {connection.ops.quote_name(model._meta.db_table)}")
            for row in cursor.fetchall():
                chunks.extend(bytes(value) for value in row if value is not None)
    return b"\n".join(chunks)


def all_table_bytes() -> bytes:
    """Every column of the tenant tables as text, to prove no secret sits in a plain column either."""
    chunks = []
    with connection.cursor() as cursor:
        for table in ("tenants_tenant", "tenants_bigcommerceconnection", "tenants_acumaticaconnection"):
            cursor.execute(f"SELECT * FROM {table}")
            for row in cursor.fetchall():
                chunks.extend(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row)
    return b"\n".join(chunks)
