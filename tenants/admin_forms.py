"""Admin forms whose secret fields are write-only.

A stored secret is never rendered: the input is always empty, its help text says "set" or "not
set", and submitting it empty keeps the stored value — unless the connection now points somewhere
else (tenants/destinations.py): then a secret typed for the old destination must be typed again.
"""
from django import forms

from tenants.destinations import DESTINATION_FIELDS, TYPED_SECRETS, destination_changes, retype_message


def _state(instance, name: str) -> str:
    return "set" if instance is not None and instance.pk and getattr(instance, name) else "not set"


class WriteOnlySecretsForm(forms.ModelForm):
    """Subclasses list the model's editable secrets in `secret_fields`."""

    secret_fields: tuple[str, ...] = ()
    required_secrets: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            if name not in self.fields:
                continue
            state = _state(self.instance, name)
            self.fields[name] = forms.CharField(
                required=False, strip=True, label=self.fields[name].label,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password",
                                                                      "placeholder": state}),
                help_text=f"Currently {state}. Leave empty to keep the stored value; type a new one to replace it.")

    def clean(self) -> dict:
        data = super().clean()
        moved = self._destination_changes(data)
        typed = TYPED_SECRETS.get(type(self.instance), ())
        for name in self.secret_fields:
            if name in self.fields and not data.get(name):
                # For a new row this is the model default (e.g. a generated webhook secret).
                kept = getattr(self.instance, name, "")
                if kept and moved and name in typed:
                    self.add_error(name, retype_message(self._meta.model._meta.verbose_name, moved))
                    kept = ""
                elif not kept and name in self.required_secrets:
                    self.add_error(name, "This secret is required.")
                data[name] = kept or ""
        return data

    def _destination_changes(self, data: dict) -> list[str]:
        model = type(self.instance)
        if model not in DESTINATION_FIELDS or not self.instance.pk:
            return []
        candidate = model(**{name: data.get(name, getattr(self.instance, name)) for name in DESTINATION_FIELDS[model]})
        return destination_changes(self.instance, candidate)
