from django_filters import rest_framework as filters

from audit.models import Direction, Status, SyncRecord


class SyncRecordFilter(filters.FilterSet):
    # A plain number, not a model choice: a choice filter would answer 400 for a tenant id the user
    # cannot see but 200 for a visible one, telling other tenants' ids apart.
    tenant = filters.NumberFilter(field_name="tenant_id")
    status = filters.ChoiceFilter(choices=Status.choices)
    direction = filters.ChoiceFilter(choices=Direction.choices)
    kind = filters.CharFilter()
    external_id = filters.CharFilter()
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = SyncRecord
        fields = ["tenant", "status", "kind", "direction", "external_id", "created_after", "created_before"]
