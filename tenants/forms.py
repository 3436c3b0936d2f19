"""The merchant onboarding form: one page for the tenant and both connections.

Secrets are write-only: inputs never render a stored value, and leaving one empty when editing keeps
what is stored. A "set" / "not set" note tells the merchant whether a value is on file.
"""
from django import forms
from django.forms import fields_for_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from sync.shipments_mapping import SPEC_PROVIDERS, is_known_provider
from tenants.catalog_settings import CatalogSettingsFields, restart_stock_read
from tenants.destinations import carry_over_secrets, destination_changes, retype_message
from tenants.models import (AcumaticaConnection, BigCommerceConnection, Membership, Tenant,
                            endpoint_version_validator, invoicing_problem, store_hash_validator)
from tenants.onboarding_draft import Draft, tested_secret
from tenants.validators import validate_bigcommerce_api_root, validate_instance_url


# Tenant settings of the order pipeline, edited on this page (section "Orders"); labels, help texts, choices
# and validation come from the model (README: "Order settings").
ORDER_SETTINGS = ["paid_status_ids", "sync_authorized_orders", "invoice_mode", "order_type", "time_zone",
                  "channel_ids", "accept_test_payments", "multi_address_policy", "payment_method_map",
                  "unmapped_gateways_use_default", "default_payment_method", "cash_account_map",
                  "default_cash_account", "no_sku_item", "fee_item", "freight_taxable"]
# Section "Shipments": Acumatica Ship Via code -> BigCommerce shipping provider (sync/shipments_mapping.py).
SHIPMENT_SETTINGS = ["shipping_provider_map", "default_shipping_provider"]
PAGE_SETTINGS = ORDER_SETTINGS + SHIPMENT_SETTINGS  # model fields edited as they are, kept when not posted


def secret_input(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=True, help_text=help_text,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))


def tenant_setting(name: str, label: str) -> forms.Field:
    """A form field for a Tenant setting, with the model's choices, default and help text. Not
    required: a post without it (an older page, a script) keeps the stored value."""
    return Tenant._meta.get_field(name).formfield(label=label, required=False)


class OnboardingForm(CatalogSettingsFields, forms.Form):
    # Tenant settings edited here under "Settings" (model field names; see tenants/models.py).
    TENANT_SETTINGS = ("customer_name_owner", "customer_contact_owner", "customer_address_owner",
                       "refund_adjustment_item", "offline_refund_method", "refund_goods")
    # (form field, model attribute) for every secret, so create/edit handle them alike.
    BC_SECRETS = {"bc_access_token": "access_token", "bc_client_secret": "client_secret"}
    AC_SECRETS = {"ac_client_secret": "client_secret", "ac_password": "password"}

    name = forms.CharField(label="Business name", max_length=200)

    store_hash = forms.CharField(label="Store hash", max_length=20, validators=[store_hash_validator],
                                 help_text="From your API path: https://api.bigcommerce.com/stores/<store hash>/v3/")
    bc_access_token = secret_input("Access token (X-Auth-Token)", "From Settings > API accounts in BigCommerce.")
    bc_client_id = forms.CharField(label="Client ID", max_length=100, required=False)
    bc_client_secret = secret_input("Client secret", "Used to verify signed webhook deliveries.")
    bc_api_base_url = forms.URLField(label="API base URL (advanced)", required=False, assume_scheme="https",
                                     validators=[validate_bigcommerce_api_root],
                                     help_text="Leave empty for the real BigCommerce API.")

    instance_url = forms.URLField(label="Instance URL", validators=[validate_instance_url], assume_scheme="https",
                                  help_text="e.g. https://mycompany.acumatica.com")
    endpoint_version = forms.CharField(label="Endpoint version", max_length=10, initial="24.200.001",
                                       validators=[endpoint_version_validator],
                                       help_text="The Default endpoint version to pin, e.g. 24.200.001.")
    company = forms.CharField(label="Tenant (company) login name", max_length=100, required=False)
    auth_method = forms.ChoiceField(label="Sign-in method", choices=AcumaticaConnection.AuthMethod.choices,
                                    widget=forms.RadioSelect, initial=AcumaticaConnection.AuthMethod.OAUTH)
    ac_client_id = forms.CharField(label="OAuth client ID", max_length=200, required=False,
                                   help_text="From Connected Applications (SM303010), e.g. GUID@Company.")
    ac_client_secret = secret_input("OAuth client secret")
    username = forms.CharField(label="Username", max_length=100)
    ac_password = secret_input("Password")

    customer_name_owner = tenant_setting("customer_name_owner", "Matched customers: name")
    customer_contact_owner = tenant_setting("customer_contact_owner", "Matched customers: contact")
    customer_address_owner = tenant_setting("customer_address_owner", "Matched customers: address")
    refund_adjustment_item = tenant_setting("refund_adjustment_item", "Refund adjustment item")
    offline_refund_method = tenant_setting("offline_refund_method", "Offline refund payment method")
    refund_goods = tenant_setting("refund_goods", "Refunded goods")

    def __init__(self, *args, tenant: Tenant | None = None, tested: Draft | None = None, **kwargs) -> None:
        self.tenant = tenant
        self.tested = tested  # what the last Test connection on this page used (tenants/onboarding_draft.py)
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Tenant, fields=PAGE_SETTINGS))
        source = tenant or Tenant()
        self.initial.update({name: getattr(source, name) for name in PAGE_SETTINGS})
        self._keep_settings_not_posted()
        if tenant is not None:
            self.initial.update(self._initial_from(tenant))
            self.initial.update(self.catalog_initial(tenant))
        self._annotate_secrets()

    def _keep_settings_not_posted(self) -> None:
        """A post without a setting (a script, an older page) keeps its value. Check boxes are the exception,
        as in every HTML form: an unchecked box is not posted, and means off."""
        if not self.is_bound:
            return
        missing = [name for name in PAGE_SETTINGS if name not in self.data
                   and not isinstance(self.fields[name], forms.BooleanField)]
        if missing:
            self.data = self.data.copy()
            for name in missing:
                self.data[name] = self.fields[name].prepare_value(self.initial[name])

    def order_settings(self) -> list:
        return [self[name] for name in ORDER_SETTINGS]

    def shipment_settings(self) -> list:
        return [self[name] for name in SHIPMENT_SETTINGS]

    @staticmethod
    def _initial_from(tenant: Tenant) -> dict:
        bc, ac = tenant.bigcommerce, tenant.acumatica
        return {
            "name": tenant.name, "store_hash": bc.store_hash, "bc_client_id": bc.client_id,
            "bc_api_base_url": bc.api_base_url, "instance_url": ac.instance_url,
            "endpoint_version": ac.endpoint_version, "company": ac.company, "auth_method": ac.auth_method,
            "ac_client_id": ac.client_id, "username": ac.username,
            **{name: getattr(tenant, name) for name in OnboardingForm.TENANT_SETTINGS},
        }

    def stored_connections(self) -> tuple[BigCommerceConnection | None, AcumaticaConnection | None]:
        """The connections whose secrets an empty input keeps (the onboarding wizard's draft overrides this)."""
        if self.tenant is None:
            return None, None
        if not hasattr(self, "_stored"):
            self._stored = (BigCommerceConnection.objects.filter(tenant=self.tenant).first(),
                            AcumaticaConnection.objects.filter(tenant=self.tenant).first())
        return self._stored

    def stored_secret(self, form_field: str) -> bool:
        bc, ac = self.stored_connections()
        if self.tested is not None:  # the secrets of this page's last Test connection count as set
            bc, ac = bc or self.tested.bigcommerce, ac or self.tested.acumatica
        if form_field in self.BC_SECRETS:
            return bool(bc and getattr(bc, self.BC_SECRETS[form_field]))
        return bool(ac and getattr(ac, self.AC_SECRETS[form_field]))

    def _annotate_secrets(self) -> None:
        for name in (*self.BC_SECRETS, *self.AC_SECRETS):
            state = "set — leave empty to keep it" if self.stored_secret(name) else "not set"
            self.fields[name].widget.attrs["placeholder"] = state
            self.fields[name].secret_state = "set" if self.stored_secret(name) else "not set"

    def make_read_only(self) -> None:
        """For members who may look but not change (operators, viewers)."""
        for field in self.fields.values():
            field.disabled = True

    def clean(self) -> dict:
        data = super().clean()
        self._check_shipment_settings(data)  # first: it turns an empty map into {} before the model's checks
        self._check_order_settings(data)
        bc, ac, retype = self._connections(persistent=False)
        for form_field in retype:
            self.add_error(form_field, retype_message(self._system_of(form_field), self._moved[form_field]))
        if not bc.access_token and "bc_access_token" not in retype:
            self.add_error("bc_access_token", "The access token is required to read orders and update the catalog.")
        if not ac.password and "ac_password" not in retype:
            self.add_error("ac_password", "The Acumatica password is required.")
        if data.get("auth_method") == AcumaticaConnection.AuthMethod.OAUTH:
            if not data.get("ac_client_id"):
                self.add_error("ac_client_id", "OAuth 2.0 needs the client ID of the connected application.")
            if not ac.client_secret and "ac_client_secret" not in retype:
                self.add_error("ac_client_secret", "OAuth 2.0 needs the client secret of the connected application.")
        return data

    def _check_order_settings(self, data: dict) -> None:
        """The model's own rules (Tenant.clean) on the entered values, reported on their fields."""
        probe = Tenant(**{name: data[name] for name in PAGE_SETTINGS if name in data})
        others = [f.name for f in Tenant._meta.fields if f.name not in PAGE_SETTINGS]
        for check in (lambda: probe.clean_fields(exclude=others), probe.clean):
            try:
                check()
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, messages)
        if data.get("unmapped_gateways_use_default") and not data.get("default_payment_method"):
            self.add_error("default_payment_method", "Choose the default payment method the catch-all uses.")
        # Acumatica refuses Prepare Invoice for unshipped stock items of a type that processes shipments (#14).
        if data.get("order_type"):
            data["order_type"] = data["order_type"].strip().upper()   # Acumatica IDs are upper case
        problem = invoicing_problem(data.get("invoice_mode") or "", data.get("order_type") or "")
        if problem and "order_type" not in self.errors:
            self.add_error("order_type", problem)

    def _check_shipment_settings(self, data: dict) -> None:
        """Provider codes BigCommerce lists (or carrier_<id>): a typo is refused here, not on a shipment."""
        if data.get("shipping_provider_map") is None and "shipping_provider_map" not in self.errors:
            data["shipping_provider_map"] = {}  # an empty box: no Ship Via code is mapped
        provider_map = data.get("shipping_provider_map")
        if provider_map is not None:
            if not isinstance(provider_map, dict) or not all(isinstance(k, str) and k.strip() and isinstance(v, str)
                                                             for k, v in provider_map.items()):
                self.add_error("shipping_provider_map", 'Give a JSON object of Ship Via codes and BigCommerce '
                                                        'shipping providers, e.g. {"FEDEX2DAY": "fedex"}.')
            else:
                unknown = sorted({v for v in provider_map.values() if not is_known_provider(v)})
                if unknown:
                    self.add_error("shipping_provider_map", unknown_providers_message(unknown))
        default = data.get("default_shipping_provider")
        if default and not is_known_provider(default):
            self.add_error("default_shipping_provider", unknown_providers_message([default]))

    def _system_of(self, form_field: str) -> str:
        return "BigCommerce" if form_field in self.BC_SECRETS else "Acumatica"

    def _connections(self, persistent: bool) -> tuple[BigCommerceConnection, AcumaticaConnection, list[str]]:
        """Both connections with the entered values and the secrets they may keep (tenants/destinations.py).

        `persistent` edits the tenant's own connection objects (for save); otherwise new, unsaved
        objects are built (for Test connection). Also returns the secret inputs that must be typed
        again because their destination changed.
        """
        def data(name: str):  # an invalid input counts as unchanged; its own error is shown
            return self.cleaned_data.get(name, self.initial.get(name, ""))

        stored_bc, stored_ac = self.stored_connections()
        bc = (getattr(self.tenant, "bigcommerce", None) if persistent and self.tenant else None) \
            or BigCommerceConnection(location_id=stored_bc.location_id if stored_bc else 1)
        ac = (getattr(self.tenant, "acumatica", None) if persistent and self.tenant else None) \
            or AcumaticaConnection(**({"endpoint_name": stored_ac.endpoint_name, "branch": stored_ac.branch}
                                      if stored_ac else {}))
        bc.store_hash, bc.client_id, bc.api_base_url = data("store_hash"), data("bc_client_id"), data("bc_api_base_url")
        ac.instance_url, ac.endpoint_version, ac.company = data("instance_url"), data("endpoint_version"), data("company")
        ac.auth_method, ac.client_id, ac.username = data("auth_method"), data("ac_client_id"), data("username")
        self._moved = {}
        retype = []
        for connection, stored, mapping in ((bc, stored_bc, self.BC_SECRETS), (ac, stored_ac, self.AC_SECRETS)):
            # An empty input takes the secret just tested on this page (for this destination), then the stored one.
            entered = {attribute: data(form_field) or tested_secret(self.tested, connection, attribute)
                       for form_field, attribute in mapping.items()}
            lost = carry_over_secrets(stored, connection, entered)
            for form_field, attribute in mapping.items():
                if attribute in lost:
                    retype.append(form_field)
                    self._moved[form_field] = destination_changes(stored, connection)
        return bc, ac, retype

    @transaction.atomic
    def save(self, user) -> Tenant:
        data = self.cleaned_data
        tenant = self.tenant or Tenant(slug=unique_slug(data["name"]))
        tenant.name = data["name"]
        for name in self.TENANT_SETTINGS:
            if data.get(name):
                setattr(tenant, name, data[name])
        for name in PAGE_SETTINGS:
            setattr(tenant, name, data[name])
        stock_changed = self.apply_catalog_settings(tenant)
        tenant.save()
        if stock_changed:
            restart_stock_read(tenant)
        if self.tenant is None:
            Membership.objects.create(user=user, tenant=tenant, role=Membership.Role.OWNER)
        bc, ac, _ = self._connections(persistent=True)
        bc.tenant = ac.tenant = tenant
        bc.save()
        ac.save()
        return tenant

    def unsaved_connections(self) -> tuple[BigCommerceConnection, AcumaticaConnection]:
        """Connections built from the entered values, never saved (for Test connection).

        An empty secret input falls back to the stored secret only when the destination is the one it
        was entered for (clean() refused the form otherwise). Call after is_valid().
        """
        bc, ac, _ = self._connections(persistent=False)
        return bc, ac


# Paths under /onboarding/ that are pages, not tenants.
RESERVED_SLUGS = {"new", "start"}


def unknown_providers_message(codes: list[str]) -> str:
    return (f"Unknown BigCommerce shipping provider {', '.join(repr(c) for c in codes)}: use one of "
            f"{', '.join(SPEC_PROVIDERS)}, carrier_<id> for a third-party carrier, or leave it empty for "
            "BigCommerce's tracking link (AfterShip).")


def unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "tenant"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Tenant.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
