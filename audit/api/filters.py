from datetime import timezone as dt_timezone

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField

from audit.models import Direction, Status, SyncRecord

MAX_DB_INTEGER = 2**63 - 1  # larger values overflow SQLite and PostgreSQL bigint: a 400, not a 500


class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class BoundedIsoDateTimeField(IsoDateTimeField):
    """Refuses datetimes that cannot be stored in UTC (e.g. year 1 at +05:00) instead of crashing, and
    hands the database UTC: PostgreSQL refuses offsets beyond 15:59 that ISO 8601 allows (-16:20)."""

    def clean(self, value):
        cleaned = super().clean(value)
        if cleaned is None:
            return None
        try:
            return cleaned.astimezone(dt_timezone.utc)
        except OverflowError:
            raise forms.ValidationError("This date is out of range.") from None


class BoundedIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class SyncRecordFilter(filters.FilterSet):
    # A plain number, not a model choice: a choice filter would answer 400 for a tenant id the user
    # cannot see but 200 for a visible one, telling other tenants' ids apart.
    tenant = IdFilter(field_name="tenant_id", min_value=1, max_value=MAX_DB_INTEGER)
    status = filters.ChoiceFilter(choices=Status.choices)
    direction = filters.ChoiceFilter(choices=Direction.choices)
    kind = filters.CharFilter()
    external_id = filters.CharFilter()
    created_after = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = SyncRecord
        fields = ["tenant", "status", "kind", "direction", "external_id", "created_after", "created_before"]
