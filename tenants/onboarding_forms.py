"""The onboarding wizard's two forms: the connection (step 1) and the settings read live (step 2).

``ConnectForm`` is the onboarding form's connection part; an empty secret input keeps the secret of the
wizard's draft (tenants/onboarding_draft.py) when the destination is the one it was entered for, so a
merchant never types a secret twice. ``SetupForm`` offers what both systems list (tenants/live_choices.py)
with the choices a distributor would make pre-selected, and falls back to a typed value for a list that
could not be read.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from tenants.catalog_settings import ACUMATICA_ID
from tenants.forms import OnboardingForm
from tenants.live_choices import Choices
from tenants.models import DEFAULT_PAID_STATUS_IDS, Tenant
from tenants.onboarding_draft import Draft, as_stored

CONNECTION_FIELDS = ("name", "store_hash", "bc_access_token", "bc_client_id", "bc_client_secret", "bc_api_base_url",
                     "instance_url", "endpoint_version", "company", "auth_method", "ac_client_id",
                     "ac_client_secret", "username", "ac_password")
# BigCommerce's documented order statuses (specs/bigcommerce/orders.v2.oas2.yml), when the store's list
# cannot be read.
STATUS_NAMES = {0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded",
                5: "Cancelled", 6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup", 9: "Awaiting Shipment",
                10: "Completed", 11: "Awaiting Fulfillment", 12: "Manual Verification Required", 13: "Disputed",
                14: "Partially Refunded"}
# Payment methods a distributor's Acumatica usually has for BigCommerce's gateways, tried in order; a
# gateway not named here is a card gateway.
SUGGESTED_METHODS = {"storecredit": ("STORECREDIT", "CREDIT"), "giftcertificate": ("GIFTCERT", "GIFTCARD"),
                     "custom": ("CASH", "CHECK"), "cod": ("CASH", "COD"), "cheque": ("CHECK", "CHEQUE"),
                     "bankdeposit": ("WIRE", "ACH", "CHECK")}
CARD_METHODS = ("CC", "CREDITCARD", "CARD", "VISA")
REFUND_ITEM_HINTS = ("BCREFUND", "REFUND")


class ConnectForm(OnboardingForm):
    """Step 1: who the merchant is and how to reach both systems. Only the connection fields are shown."""

    def __init__(self, *args, draft: Draft | None = None, **kwargs) -> None:
        self.draft = draft
        super().__init__(*args, tenant=None, **kwargs)
        if draft is not None and not self.is_bound:
            self.initial.update(draft_initial(draft))

    def stored_connections(self):
        if self.draft is None:
            return None, None
        return as_stored(self.draft.bigcommerce), as_stored(self.draft.acumatica)

    def connection_fields(self) -> list:
        return [self[name] for name in CONNECTION_FIELDS]


def draft_initial(draft: Draft) -> dict:
    bc, ac = draft.bigcommerce, draft.acumatica
    return {"name": draft.name, "store_hash": bc.store_hash, "bc_client_id": bc.client_id,
            "bc_api_base_url": bc.api_base_url, "instance_url": ac.instance_url,
            "endpoint_version": ac.endpoint_version, "company": ac.company, "auth_method": ac.auth_method,
            "ac_client_id": ac.client_id, "username": ac.username}


def setup_initial(tenant: Tenant, gateways: list[str]) -> dict:
    """The tenant's current settings as the settings form's values (for changing them later)."""
    initial = {name: getattr(tenant, name) for name in (
        "paid_status_ids", "channel_ids", "time_zone", "order_type", "branch", "tax_id", "tax_zone", "warehouses",
        "refund_adjustment_item", "fee_item", "no_sku_item", "unmapped_gateways_use_default",
        "default_payment_method", "default_cash_account")}
    if tenant.orders_backfill_from:
        initial["orders_backfill_from"] = tenant.orders_backfill_from.astimezone(ZoneInfo(tenant.time_zone)).date()
    for gateway in gateways:
        if gateway not in tenant.payment_method_map:
            continue  # seen in recent orders but not mapped yet: the suggestion stands
        method = tenant.payment_method_map[gateway]
        initial[f"method_{gateway_key(gateway)}"] = method
        initial[f"cash_{gateway_key(gateway)}"] = tenant.cash_account_map.get(method) or tenant.default_cash_account
    return initial


def _pick(options: list[str], wanted: tuple[str, ...]) -> str:
    upper = {o.upper(): o for o in options}
    return next((upper[w] for w in wanted if w in upper), "")


def suggested_method(gateway: str, methods: list[str]) -> str:
    return _pick(methods, SUGGESTED_METHODS.get(gateway.lower(), CARD_METHODS))


def gateway_key(gateway: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in gateway)


def _choice_or_text(label: str, options: list[tuple[str, str]], initial: str, help_text: str = "",
                    required: bool = False, blank: str = "— none —") -> forms.Field:
    """A select of what the system listed, or a typed ID when it listed nothing."""
    if options:
        return forms.ChoiceField(label=label, choices=[("", blank), *options], initial=initial, required=required,
                                 help_text=help_text)
    return forms.CharField(label=label, initial=initial, required=required, max_length=30, help_text=help_text)


class SetupForm(forms.Form):
    """Step 2: the settings every pipeline needs, chosen from live lists."""

    def __init__(self, *args, choices: Choices, sandbox_defaults: dict | None = None,
                 tenant: Tenant | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        mapped = list(tenant.payment_method_map) if tenant else []
        self.gateways = list(dict.fromkeys([*choices.gateways, *(sandbox_defaults or {}).get("methods", {}), *mapped]))
        self._order_fields(choices)
        self._payment_fields(choices, sandbox_defaults or {})
        self._item_fields(choices)
        if tenant is not None and not self.is_bound:
            self.initial.update(setup_initial(tenant, self.gateways))
            self._keep_current_values()

    # -- fields ---------------------------------------------------------------------------------

    def _order_fields(self, choices: Choices) -> None:
        statuses = choices.order_statuses or sorted(STATUS_NAMES.items())
        self.fields["paid_status_ids"] = forms.TypedMultipleChoiceField(
            label="Order statuses that mean paid", coerce=int, widget=forms.CheckboxSelectMultiple,
            choices=[(i, f"{name} ({i})") for i, name in statuses], initial=DEFAULT_PAID_STATUS_IDS,
            help_text="Orders reach Acumatica once they have one of these statuses.")
        if choices.channels:
            self.fields["channel_ids"] = forms.TypedMultipleChoiceField(
                label="Channels", coerce=int, widget=forms.CheckboxSelectMultiple, required=False,
                choices=[(c, f"Channel {c}") for c in choices.channels],
                help_text="Channels seen in recent orders; none ticked means every channel.")
        zones = sorted(available_timezones())
        self.fields["time_zone"] = forms.ChoiceField(
            label="Store time zone", choices=[(z, z) for z in zones],
            initial=choices.time_zone if choices.time_zone in zones else "UTC",
            help_text=("Read from the store's settings. " if choices.time_zone in zones else "")
            + "Document dates are the store's calendar days.")
        self.fields["orders_backfill_from"] = forms.DateField(
            label="Import orders from", initial=timezone.localdate(),
            widget=forms.DateInput(attrs={"type": "date"}),
            help_text="Orders changed since this day (store time) are imported on the first sync; earlier "
                      "ones stay where they are.")
        self.fields["order_type"] = forms.CharField(
            label="Acumatica order type", initial="IN", max_length=2,
            help_text="The sales order type of web orders. The connector invoices paid orders, which Acumatica "
                      "allows only for a type that does not process shipments, e.g. IN.")
        self.fields["branch"] = _choice_or_text(
            "Branch", [(b, f"{b} — {n}" if n else b) for b, n in choices.branches], "",
            blank="— the user's default branch —", help_text="The branch of the documents the connector creates.")
        self.fields["tax_id"] = _choice_or_text(
            "Tax ID for BigCommerce's tax", [(t, t) for t in choices.taxes],
            _pick(choices.taxes, ("BCTAX",)) or ("" if choices.taxes else "BCTAX"), required=True,
            help_text="The Acumatica tax that carries the tax BigCommerce charged.")
        self.fields["tax_zone"] = _choice_or_text("Tax zone", [(z, z) for z in choices.tax_zones], "",
                                                  help_text="Empty: the customer's tax zone.")
        if choices.warehouses:
            self.fields["warehouses"] = forms.MultipleChoiceField(
                label="Warehouses whose stock the store sells", required=False, widget=forms.CheckboxSelectMultiple,
                choices=[(w, w) for w in choices.warehouses], help_text="None ticked means all warehouses.")

    def _payment_fields(self, choices: Choices, sandbox_defaults: dict) -> None:
        methods = [m for m, _ in choices.payment_methods]
        options = [(m, f"{m} — {d}" if d else m) for m, d in choices.payment_methods]
        for gateway in self.gateways:
            method = sandbox_defaults.get("methods", {}).get(gateway) or suggested_method(gateway, methods)
            accounts = choices.cash_accounts.get(method, [])
            self.fields[f"method_{gateway_key(gateway)}"] = _choice_or_text(
                f"Payment method for '{gateway}'", options, method, required=True)
            self.fields[f"cash_{gateway_key(gateway)}"] = _choice_or_text(
                f"Cash account for '{gateway}'", sorted({(a, a) for accts in choices.cash_accounts.values()
                                                         for a in accts}),
                accounts[0] if accounts else sandbox_defaults.get("cash_account", ""), required=True)
        self.fields["unmapped_gateways_use_default"] = forms.BooleanField(
            label="Send payments from other gateways to a default payment method", required=False,
            help_text="Off: a payment from a gateway not listed here needs attention, naming the gateway.")
        self.fields["default_payment_method"] = _choice_or_text("Default payment method", options, "")
        self.fields["default_cash_account"] = forms.CharField(label="Default cash account", required=False,
                                                              max_length=10)

    def _item_fields(self, choices: Choices) -> None:
        items = [(i, f"{i} — {d}" if d else i) for i, d in choices.non_stock_items]
        ids = [i for i, _ in choices.non_stock_items]
        self.fields["refund_adjustment_item"] = _choice_or_text(
            "Refund adjustment item", items, _pick(ids, REFUND_ITEM_HINTS) or ("" if items else "BCREFUND"),
            required=True, help_text="Non-stock item for refunded amounts that are not products (shipping, "
                                     "order-level amounts).")
        self.fields["fee_item"] = _choice_or_text(
            "Fee item", items, "", help_text="Non-stock item for BigCommerce order fees. Empty: orders with "
                                             "fees need attention.")
        self.fields["no_sku_item"] = _choice_or_text(
            "Item for lines without a SKU", items, "", help_text="Custom products, gift certificates bought. "
                                                                 "Empty: such orders need attention.")

    def _keep_current_values(self) -> None:
        """A value the tenant has but the system no longer lists stays selectable, marked, so opening the
        page and saving changes nothing by itself."""
        for name, field in self.fields.items():
            current = self.initial.get(name)
            if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField) \
                    and current and current not in dict(field.choices):
                field.choices = [*field.choices, (current, f"{current} (not listed by your system)")]

    # -- groups for the template ----------------------------------------------------------------

    def payment_rows(self) -> list[tuple[str, object, object]]:
        return [(g, self[f"method_{gateway_key(g)}"], self[f"cash_{gateway_key(g)}"]) for g in self.gateways]

    SECTIONS = [  # (anchor, title, fields); a field missing from the form (a list not read) is skipped
        ("orders", "Orders", ("paid_status_ids", "channel_ids", "orders_backfill_from", "time_zone", "order_type",
                              "branch")),
        ("taxes", "Taxes", ("tax_id", "tax_zone")),
        ("items", "Non-stock items", ("refund_adjustment_item", "fee_item", "no_sku_item")),
        ("catalog", "Catalog stock", ("warehouses",)),
    ]

    def sections(self) -> list[tuple[str, str, list]]:
        return [(anchor, title, [self[name] for name in names if name in self.fields])
                for anchor, title, names in self.SECTIONS if any(name in self.fields for name in names)]

    def default_payment_fields(self) -> list:
        return [self[name] for name in ("unmapped_gateways_use_default", "default_payment_method",
                                        "default_cash_account")]

    # -- validation -----------------------------------------------------------------------------

    def clean(self) -> dict:
        data = super().clean()
        for name in ("order_type", "branch", "tax_zone", "default_payment_method", "default_cash_account", "tax_id",
                     "refund_adjustment_item",
                     "fee_item", "no_sku_item", *(f for f in self.fields if f.startswith(("method_", "cash_")))):
            value = (data.get(name) or "").strip()
            if value and not ACUMATICA_ID.match(value):
                self.add_error(name, "Not a valid Acumatica ID (up to 30 letters, digits, spaces, - _ . /).")
            data[name] = value.upper()
        if data.get("unmapped_gateways_use_default") and not data.get("default_payment_method"):
            self.add_error("default_payment_method", "Choose the default payment method the catch-all uses.")
        if data.get("unmapped_gateways_use_default") and not data.get("default_cash_account"):
            self.add_error("default_cash_account", "Choose the cash account of the default payment method.")
        self._check_cash_accounts(data)
        return data

    def _check_cash_accounts(self, data: dict) -> None:
        """One cash account per payment method (Tenant.cash_account_map), and one the method allows."""
        chosen: dict[str, str] = {}
        for gateway in self.gateways:
            key = gateway_key(gateway)
            method, account = data.get(f"method_{key}"), data.get(f"cash_{key}")
            if not method or not account:
                continue
            allowed = self.choices.cash_accounts.get(method)
            if allowed and account not in allowed:
                self.add_error(f"cash_{key}", f"Payment method {method} allows only: {', '.join(allowed)}.")
            elif chosen.setdefault(method, account) != account:
                self.add_error(f"cash_{key}", f"Payment method {method} already uses cash account "
                                              f"{chosen[method]}; one method has one cash account.")

    def clean_orders_backfill_from(self):
        day = self.cleaned_data["orders_backfill_from"]
        if day > timezone.localdate() + timedelta(days=1):
            raise ValidationError("Choose today or an earlier day.")
        return day

    # -- result ---------------------------------------------------------------------------------

    def apply(self, tenant: Tenant) -> None:
        """Copies the choices onto the tenant (unsaved)."""
        data = self.cleaned_data
        tenant.paid_status_ids = sorted(data["paid_status_ids"])
        tenant.channel_ids = sorted(data.get("channel_ids") or [])
        tenant.time_zone = data["time_zone"]
        # The first poll reads orders modified since the start of that day in the store's time zone.
        tenant.orders_backfill_from = datetime.combine(data["orders_backfill_from"], time.min,
                                                       tzinfo=ZoneInfo(data["time_zone"]))
        for name in ("order_type", "branch", "tax_id", "tax_zone", "refund_adjustment_item", "fee_item",
                     "no_sku_item", "default_payment_method", "default_cash_account",
                     "unmapped_gateways_use_default"):
            setattr(tenant, name, data[name])
        tenant.warehouses = list(data.get("warehouses") or [])
        # Merged into what is there: a cash account set for another use (the offline refund method) stays.
        tenant.payment_method_map = {**tenant.payment_method_map,
                                     **{g: data[f"method_{gateway_key(g)}"] for g in self.gateways}}
        tenant.cash_account_map = {**tenant.cash_account_map,
                                   **{data[f"method_{gateway_key(g)}"]: data[f"cash_{gateway_key(g)}"]
                                      for g in self.gateways}}
        excluded = set(tenant.catalog_excluded_items or [])
        tenant.catalog_excluded_items = sorted(excluded | {i for i in (tenant.fee_item, tenant.no_sku_item) if i})
