"""Tenants (merchants), their two connections and SKU mappings.

A tenant is one merchant: one BigCommerce store and one Acumatica instance. Secrets live only in
Fernet-encrypted fields; nothing here ever renders them.
"""
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from fernet_fields import EncryptedTextField

from tenants.crypto import new_secret

DEFAULT_PAID_STATUS_IDS = [2, 3, 8, 9, 10, 11]  # Shipped, Partially Shipped, Awaiting Pickup/Shipment/Fulfillment, Completed
BIGCOMMERCE_API_BASE = "https://api.bigcommerce.com/stores/{store_hash}/"

endpoint_version_validator = RegexValidator(
    r"^\d{2}\.\d{3}\.\d{3}$", "Use the endpoint version format NN.NNN.NNN, for example 24.200.001.")
store_hash_validator = RegexValidator(
    r"^[a-z0-9]{5,20}$", "A store hash is the short lowercase code in your API path, e.g. 'abc123de'.")


def time_zone_validator(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"'{name}' is not a time zone name; use an IANA name such as America/New_York.")


def roles_with(capability: str) -> list[str]:
    return [role for role, allowed in ROLE_CAPABILITIES.items() if capability in allowed]


def default_paid_status_ids() -> list[int]:
    return list(DEFAULT_PAID_STATUS_IDS)


class Capability(models.TextChoices):
    """What a role allows on its tenant (see ROLE_CAPABILITIES)."""
    VIEW = "view", "read records, events, settings and mappings"
    OPERATE = "operate", "replay and skip records, edit SKU mappings"
    MANAGE = "manage", "edit credentials, settings and members"


class TenantScopedQuerySet(models.QuerySet):
    """The one access rule for merchant data: superusers see everything; anyone else (staff included)
    sees the rows of the tenants where their role grants `capability`; an anonymous user nothing.
    `tenant_path` leads from the row to its Tenant."""

    tenant_path = "tenant__"

    def visible_to(self, user, capability: str = Capability.VIEW):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(**{f"{self.tenant_path}memberships__user": user,
                              f"{self.tenant_path}memberships__role__in": roles_with(capability)})


class TenantQuerySet(TenantScopedQuerySet):
    tenant_path = ""


# Acumatica's predefined order types that process shipments (Order Types, SO201000): their stock items are invoiced
# from a confirmed shipment, so Prepare Invoice on such an order right after payment is refused.
ORDER_TYPES_WITH_SHIPMENTS = frozenset({"SO", "SA", "RM", "RC", "TR"})


def invoicing_problem(invoice_mode: str, order_type: str) -> str | None:
    """Why the connector cannot invoice orders of this type, or None. Reference: README "Order settings"."""
    if invoice_mode == "connector" and (order_type or "").strip().upper() in ORDER_TYPES_WITH_SHIPMENTS:
        return (f"Order type {order_type.upper()} processes shipments: Acumatica invoices its stock items only once "
                "they are shipped, so the connector cannot invoice them when the order is paid. Choose an order type "
                "without shipments (e.g. IN) or leave invoicing to Acumatica's shipment flow.")
    return None


class Tenant(models.Model):
    class GuestPolicy(models.TextChoices):
        GENERIC = "generic", "One generic guest customer"
        PER_EMAIL = "per_email", "A customer per e-mail address"

    class InvoiceMode(models.TextChoices):
        CONNECTOR = "connector", "Connector prepares the AR invoice when the order is paid"
        ACUMATICA = "acumatica", "Leave invoicing to Acumatica's shipment flow"

    class TaxMode(models.TextChoices):
        BIGCOMMERCE = "bigcommerce", "Copy BigCommerce's tax onto the order (automatic tax calculation off)"
        ACUMATICA = "acumatica", "Let Acumatica calculate tax from the customer's tax zone"

    class FieldOwner(models.TextChoices):
        ACUMATICA = "acumatica", "Acumatica keeps what it has; the connector fills only blank fields"
        BIGCOMMERCE = "bigcommerce", "BigCommerce: the connector replaces Acumatica's values"

    class RefundGoods(models.TextChoices):
        STOCK_LINES = "stock_lines", "Credit memo lines with the refunded items (returned to stock when released)"
        AMOUNT_ONLY = "amount_only", "Amount only, on the refund adjustment item (returns handled in the warehouse)"

    class StockQuantity(models.TextChoices):
        # Reference: reference/peer-connectors.md §2 (Acumatica's own connector offers these three).
        AVAILABLE = "available", "Available (on hand minus open sales orders)"
        AVAILABLE_FOR_SHIPPING = "available_for_shipping", "Available for shipping"
        ON_HAND = "on_hand", "On hand"

    class MultiAddressPolicy(models.TextChoices):
        ATTENTION = "attention", "Orders shipping to several addresses need attention"
        FIRST = "first", "Ship the whole order to the first address; list the others in the order's note"

    class CostField(models.TextChoices):
        STANDARD = "standard", "Standard cost"
        AVERAGE = "average", "Average cost"
        LAST = "last", "Last cost"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                                 help_text="Used in webhook URLs; not a secret, but not guessable.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Cadences, in minutes.
    order_poll_minutes = models.PositiveIntegerField(default=10)
    catalog_push_minutes = models.PositiveIntegerField(default=15)
    webhook_check_minutes = models.PositiveIntegerField(default=60)

    # Flow switches and order rules.
    sync_orders = models.BooleanField(default=True)
    sync_customers = models.BooleanField(default=True)
    sync_catalog = models.BooleanField(default=True)
    sync_shipments = models.BooleanField(
        default=True, help_text="Confirmed Acumatica shipments of synced orders become BigCommerce shipments.")
    shipping_provider_map = models.JSONField(
        default=dict, blank=True, help_text='Acumatica Ship Via code -> BigCommerce shipping_provider, e.g. '
                                            '{"FEDEX2DAY": "fedex"}. Unmapped codes naming a known carrier use it.')
    default_shipping_provider = models.CharField(
        max_length=50, blank=True, default="",
        help_text="BigCommerce shipping_provider for other Ship Via codes; empty lets BigCommerce link the "
                  "tracking number through AfterShip.")
    paid_status_ids = models.JSONField(default=default_paid_status_ids,
                                       help_text="BigCommerce order status ids that count as paid.")
    orders_backfill_from = models.DateTimeField(null=True, blank=True,
                                                help_text="First poll fetches orders modified since then.")
    guest_policy = models.CharField(max_length=20, choices=GuestPolicy.choices, default=GuestPolicy.PER_EMAIL)
    invoice_mode = models.CharField(max_length=20, choices=InvoiceMode.choices, default=InvoiceMode.CONNECTOR)
    same_code_fallback = models.BooleanField(
        default=True, help_text="Without a SKU mapping, treat the BigCommerce SKU as the Acumatica InventoryID.")

    # Who owns the fields of Acumatica customers matched by e-mail that the connector did not create
    # (customers it created always follow BigCommerce). See sync/customer_fields.py.
    customer_name_owner = models.CharField(
        max_length=20, choices=FieldOwner.choices, default=FieldOwner.ACUMATICA,
        help_text="Customer name (account name) of matched customers.")
    customer_contact_owner = models.CharField(
        max_length=20, choices=FieldOwner.choices, default=FieldOwner.ACUMATICA,
        help_text="Attention, e-mail and phone of matched customers.")
    customer_address_owner = models.CharField(
        max_length=20, choices=FieldOwner.choices, default=FieldOwner.ACUMATICA,
        help_text="Main address of matched customers (filled as a whole only when Acumatica has none).")

    # Acumatica defaults for documents the connector creates.
    order_type = models.CharField(
        max_length=2, default="IN",
        help_text="Acumatica order type of web orders. The connector invoices (invoice mode 'connector') only an "
                  "order type that does not process shipments, e.g. IN; with SO, leave invoicing to Acumatica.")
    customer_class = models.CharField(max_length=10, blank=True)
    guest_customer_id = models.CharField(max_length=30, blank=True,
                                         help_text="Acumatica CustomerID used for guests under the generic policy.")
    branch = models.CharField(max_length=30, blank=True)
    tax_zone = models.CharField(max_length=30, blank=True)
    tax_mode = models.CharField(max_length=20, choices=TaxMode.choices, default=TaxMode.BIGCOMMERCE)
    tax_id = models.CharField(max_length=30, default="BCTAX",
                              help_text="Acumatica TaxID that carries BigCommerce's tax when tax is copied.")
    payment_method_map = models.JSONField(default=dict, blank=True,
                                          help_text='BigCommerce gateway -> Acumatica PaymentMethod, e.g. {"stripe": "CC"}')
    cash_account_map = models.JSONField(default=dict, blank=True,
                                        help_text="Acumatica PaymentMethod -> CashAccount.")
    default_payment_method = models.CharField(max_length=10, blank=True)
    refund_adjustment_item = models.CharField(
        max_length=30, default="BCREFUND",
        help_text="Non-stock item for refunded amounts that are not products (shipping, order-level amounts).")
    default_cash_account = models.CharField(max_length=10, blank=True)
    offline_refund_method = models.CharField(
        max_length=10, blank=True,
        help_text="Acumatica PaymentMethod for refunds paid back outside BigCommerce (offline/manual), e.g. CHECK; "
                  "its cash account comes from the cash account map or the default.")
    refund_goods = models.CharField(
        max_length=20, choices=RefundGoods.choices, default=RefundGoods.STOCK_LINES,
        help_text="How refunded products appear on the credit memo.")

    # Order rules (issue #11). Money never takes a silent default; see README "Order settings".
    sync_authorized_orders = models.BooleanField(
        default=True, help_text="Create the sales order when the payment is only authorized; the invoice waits "
                                "for the capture either way.")
    unmapped_gateways_use_default = models.BooleanField(
        default=False, help_text="Send payments from gateways missing in the payment method map to the default "
                                 "payment method. Off: such a payment needs attention, naming the gateway.")
    freight_taxable = models.BooleanField(
        default=True, help_text="The copied BigCommerce tax was charged on freight too (the tax line's taxable "
                                "amount includes freight).")
    no_sku_item = models.CharField(
        max_length=30, blank=True, help_text="Acumatica non-stock item for order lines without a SKU (custom "
                                             "products, gift certificates bought). Empty: such orders need attention.")
    fee_item = models.CharField(
        max_length=30, blank=True, help_text="Acumatica non-stock item for BigCommerce order fees. Empty: orders "
                                             "with fees need attention.")
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[time_zone_validator],
        help_text="The store's time zone (IANA name, e.g. America/New_York): document dates are its calendar days.")
    channel_ids = models.JSONField(
        default=list, blank=True, help_text="BigCommerce channel ids whose orders are synced, e.g. [1]; empty: all.")
    accept_test_payments = models.BooleanField(
        default=False, help_text="Sync orders paid with test transactions (a gateway in test mode). Off: they are "
                                 "filtered, with the reason on the record.")
    multi_address_policy = models.CharField(
        max_length=20, choices=MultiAddressPolicy.choices, default=MultiAddressPolicy.ATTENTION)
    legacy_references_until = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Documents of orders placed before this were made with the old, store-less external "
                  "references (BC-<id>); lookups also try those. Empty for tenants created since.")

    # Catalog push settings.
    push_price = models.BooleanField(default=True)
    push_cost = models.BooleanField(default=True)
    push_inventory = models.BooleanField(default=True)
    cost_field = models.CharField(max_length=10, choices=CostField.choices, default=CostField.AVERAGE)
    stock_quantity = models.CharField(max_length=30, choices=StockQuantity.choices, default=StockQuantity.AVAILABLE,
                                      help_text="Which Acumatica quantity the storefront may sell.")
    warehouses = models.JSONField(default=list, blank=True,
                                  help_text="Acumatica WarehouseIDs whose stock counts; empty means all.")
    safety_stock = models.PositiveIntegerField(
        default=0, help_text="Units (in the item's sales unit) held back from the storefront per SKU.")
    catalog_excluded_items = models.JSONField(
        default=list, blank=True, help_text="Acumatica InventoryIDs never pushed to BigCommerce (ERP-only items); "
                                            "the refund adjustment item is always left out.")

    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="tenants")

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        ids = self.paid_status_ids
        if not isinstance(ids, list) or not all(isinstance(i, int) and 0 <= i <= 14 for i in ids):
            raise ValidationError({"paid_status_ids": "Give a list of BigCommerce status ids (0-14), e.g. [2, 3, 11]."})
        channels = self.channel_ids
        if not isinstance(channels, list) or not all(isinstance(i, int) and i > 0 for i in channels):
            raise ValidationError({"channel_ids": "Give a list of BigCommerce channel ids, e.g. [1], or [] for all."})
        for name in ("payment_method_map", "cash_account_map"):
            value = getattr(self, name)
            if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                      for k, v in value.items()):
                raise ValidationError({name: 'Give a JSON object of names, e.g. {"stripe": "CC"}.'})


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner (credentials, settings, members)"
        OPERATOR = "operator", "Operator (replay, skip, SKU mappings)"
        VIEWER = "viewer", "Viewer (read only)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    # Least privilege by default: a member added without a choice can only read.
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant}"


ROLE_CAPABILITIES = {
    Membership.Role.OWNER: {Capability.VIEW, Capability.OPERATE, Capability.MANAGE},
    Membership.Role.OPERATOR: {Capability.VIEW, Capability.OPERATE},
    Membership.Role.VIEWER: {Capability.VIEW},
}


class BigCommerceConnection(models.Model):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="bigcommerce")
    store_hash = models.CharField(max_length=20, validators=[store_hash_validator])
    access_token = EncryptedTextField(help_text="X-Auth-Token of the store-level API account.")
    client_id = models.CharField(max_length=100, blank=True)
    client_secret = EncryptedTextField(blank=True, help_text="Signs webhook deliveries (Standard Webhooks).")
    webhook_secret = EncryptedTextField(default=new_secret,
                                        help_text="Sent by BigCommerce in a custom header on every delivery.")
    api_base_url = models.URLField(blank=True, help_text="Leave empty for the real BigCommerce API.")
    location_id = models.PositiveIntegerField(default=1, help_text="Inventory location for stock adjustments.")

    SECRET_FIELDS = ("access_token", "client_secret", "webhook_secret")

    def __str__(self) -> str:
        return f"BigCommerce store {self.store_hash}"

    def save(self, *args, **kwargs) -> None:
        from tenants.destinations import check_rebound  # the rule lives there; it imports this module
        check_rebound(self, kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    @property
    def base_url(self) -> str:
        """Store API root ending in '/', e.g. https://api.bigcommerce.com/stores/abc123/."""
        base = self.api_base_url or BIGCOMMERCE_API_BASE
        return base.format(store_hash=self.store_hash).rstrip("/") + "/"


class AcumaticaConnection(models.Model):
    class AuthMethod(models.TextChoices):
        OAUTH = "oauth", "OAuth 2.0 (recommended)"
        COOKIE = "cookie", "Cookie login (legacy)"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="acumatica")
    instance_url = models.URLField(help_text="e.g. https://mycompany.acumatica.com")
    endpoint_name = models.CharField(max_length=50, default="Default")
    endpoint_version = models.CharField(max_length=10, validators=[endpoint_version_validator])
    company = models.CharField(max_length=100, blank=True, help_text="Tenant (company) login name in Acumatica.")
    branch = models.CharField(max_length=30, blank=True)
    auth_method = models.CharField(max_length=10, choices=AuthMethod.choices, default=AuthMethod.OAUTH)
    client_id = models.CharField(max_length=200, blank=True, help_text="OAuth client id, e.g. GUID@Company.")
    client_secret = EncryptedTextField(blank=True)
    username = models.CharField(max_length=100)
    password = EncryptedTextField()
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    push_header_name = models.CharField(max_length=50, default="X-Push-Secret")
    push_secret = EncryptedTextField(default=new_secret,
                                     help_text="Value Acumatica sends in the push notification header.")

    SECRET_FIELDS = ("client_secret", "password", "access_token", "refresh_token", "push_secret")

    def __str__(self) -> str:
        return f"Acumatica {self.instance_url} ({self.endpoint_name}/{self.endpoint_version})"

    def save(self, *args, **kwargs) -> None:
        from tenants.destinations import check_rebound  # the rule lives there; it imports this module
        check_rebound(self, kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.auth_method == self.AuthMethod.OAUTH and not self.client_id:
            raise ValidationError({"client_id": "OAuth 2.0 needs the client id registered in Acumatica (SM303010)."})

    @property
    def endpoint_url(self) -> str:
        """e.g. https://x.acumatica.com/entity/Default/24.200.001/"""
        return f"{self.instance_url.rstrip('/')}/entity/{self.endpoint_name}/{self.endpoint_version}/"


def normalize_sku(sku: str) -> str:
    return sku.strip()


def normalize_inventory_id(inventory_id: str) -> str:
    # Acumatica InventoryIDs are upper case and compared without regard to case; keep them so.
    return inventory_id.strip().upper()


class SkuMapping(models.Model):
    """A BigCommerce SKU <-> Acumatica InventoryID pair where the two codes differ.

    Uniqueness is case-insensitive on both sides: BigCommerce treats "abc-1" and "ABC-1" as the same
    SKU, and Acumatica's InventoryID is case-insensitive, so two rows differing only in case would
    make the mapping ambiguous.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="sku_mappings")
    bc_sku = models.CharField("BigCommerce SKU", max_length=255)
    inventory_id = models.CharField("Acumatica InventoryID", max_length=30)
    bc_product_id = models.PositiveIntegerField(null=True, blank=True, help_text="Cached; refreshed when gone.")
    bc_variant_id = models.PositiveIntegerField(null=True, blank=True, help_text="Cached; refreshed when gone.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant", "bc_sku"]
        constraints = [
            models.UniqueConstraint("tenant", Lower("bc_sku"), name="unique_bc_sku_per_tenant",
                                    violation_error_message="This BigCommerce SKU is already mapped for this tenant."),
            models.UniqueConstraint("tenant", Upper("inventory_id"), name="unique_inventory_id_per_tenant",
                                    violation_error_message="This InventoryID is already mapped for this tenant."),
        ]

    def __str__(self) -> str:
        return f"{self.bc_sku} <-> {self.inventory_id}"

    def save(self, *args, **kwargs) -> None:
        self.bc_sku = normalize_sku(self.bc_sku)
        self.inventory_id = normalize_inventory_id(self.inventory_id)
        super().save(*args, **kwargs)
