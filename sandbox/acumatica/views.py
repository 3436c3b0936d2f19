"""HTTP surface of a simulated Acumatica instance, mounted at /sandbox/acumatica/<slug>/.

Reference: acumatica-api.md sections 1-4 (URLs, discovery, auth, record format, verbs, parameters, errors,
actions) and the Default endpoint specs in ../shared/specs/acumatica/.
"""
import functools
import json
import re
import uuid
from itertools import islice
from typing import Any, Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt

from . import actions, auth, inquiries, load, shipments, swagger
from .documents import KEYS, Invalid, PreconditionFailed, find, put_record
from .lengths import check_lengths
from .models import ActionRun, Instance, Record
from .odata import FilterError, compile_filter, field_names
from .schema import ENDPOINT, FlatFieldError, entity_meta, parse_record, render_record, type_fields

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
UNAUTHORIZED = "Authorization has been denied for this request."
View = Callable[..., HttpResponse]
SANDBOX_EXCEPTION = "PX.Api.ContractBased.SandboxException"


def http_error(status: int, message: str, exception_type: str = SANDBOX_EXCEPTION) -> JsonResponse:
    """The HttpError body {message, exceptionMessage, exceptionType} of the Default specs (no stack trace)."""
    return JsonResponse({"message": message, "exceptionMessage": message, "exceptionType": exception_type},
                        status=status)


def throttled() -> JsonResponse:
    # No Retry-After: the reference documents none.
    return http_error(429, "The number of requests has exceeded the limit imposed by the license.")


def instance_view(view: View) -> View:
    """Resolves the instance, then applies injected faults, the per-minute limit and the concurrency cap."""
    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        instance = get_object_or_404(Instance, slug=slug)
        if view.__name__ == "logout":
            return view(request, instance, *args, **kwargs)      # sign-out never waits in the queue
        try:
            load.inject_faults(instance)
            load.apply_rate_limit(instance)
            with load.concurrency_slot(instance):
                return view(request, instance, *args, **kwargs)
        except load.Throttled:
            return throttled()
        except load.InjectedFault as e:
            return http_error(e.status, str(e))
    return wrapper


# ---------------------------------------------------------------- discovery

# Reference: acumatica-api.md section 1 "Discovery" (GET <instance>/entity).
@instance_view
def endpoints(request: HttpRequest, instance: Instance) -> HttpResponse:
    if request.method != "GET":
        return http_error(405, "The requested resource does not support this HTTP method.")
    base = request.path.rstrip("/")
    return JsonResponse({
        "version": {"acumaticaBuildVersion": instance.build_version, "databaseVersion": instance.build_version},
        "endpoints": [{"name": ENDPOINT, "version": v, "href": f"{base}/{ENDPOINT}/{v}/"} for v in instance.versions]})


# ---------------------------------------------------------------- auth

# Reference: acumatica-api.md section 2 (POST /identity/connect/token, form encoded).
@instance_view
def token(request: HttpRequest, instance: Instance) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"error": "invalid_request"}, status=405)
    try:
        return JsonResponse(auth.token_grant(instance, request.POST.dict()))
    except auth.AuthError as e:
        return JsonResponse(e.body, status=e.status)


# Reference: acumatica-api.md section 2 (POST /entity/auth/login -> 204 with cookies).
@instance_view
def login(request: HttpRequest, instance: Instance) -> HttpResponse:
    if request.method != "POST":
        return http_error(405, "The requested resource does not support this HTTP method.")
    try:
        body = json.loads(request.body or b"{}") if "json" in request.content_type else request.POST.dict()
        session = auth.cookie_login(instance, body if isinstance(body, dict) else {})
    except (ValueError, auth.AuthError) as e:
        return JsonResponse(e.body, status=e.status) if isinstance(e, auth.AuthError) else http_error(400, str(e))
    response = HttpResponse(status=204)
    response.set_cookie(auth.COOKIE_NAME, session.token, httponly=True, samesite="Lax")
    response.set_cookie("UserBranch", instance.branch)
    response.set_cookie("Locale", "Culture=en-US&TimeZone=GMTM0000A")
    return response


# Reference: acumatica-api.md section 2 (POST /entity/auth/logout -> 204; ends a cookie or a Bearer session).
@instance_view
def logout(request: HttpRequest, instance: Instance) -> HttpResponse:
    if request.method != "POST":
        return http_error(405, "The requested resource does not support this HTTP method.")
    auth.sign_out(instance, request.headers.get("Authorization", ""), request.COOKIES.get(auth.COOKIE_NAME))
    response = HttpResponse(status=204)
    response.delete_cookie(auth.COOKIE_NAME)
    return response


# ---------------------------------------------------------------- entities

class Query:
    """The documented query parameters: $filter, $expand, $select, $custom, $top, $skip."""

    def __init__(self, request: HttpRequest):
        params = request.GET
        self.filter = params.get("$filter")
        self.expand = _path_set(params.get("$expand"), with_parents=True)
        self.select = _path_set(params.get("$select"), with_parents=False) if params.get("$select") else None
        self.top = _int(params.get("$top"), "$top")
        self.skip = _int(params.get("$skip"), "$skip") or 0


def _path_set(text: str | None, with_parents: bool) -> set[str]:
    paths = {p.strip() for p in (text or "").split(",") if p.strip()}
    if with_parents:
        paths |= {"/".join(p.split("/")[:n]) for p in paths for n in range(1, p.count("/") + 1)}
    return paths


def _int(text: str | None, name: str) -> int | None:
    if text in (None, ""):
        return None
    if not text.isdigit():
        raise FilterError(f"The value of {name} must be a non-negative integer.")
    return int(text)


@instance_view
def entity(request: HttpRequest, instance: Instance, endpoint: str, version: str, rest: str) -> HttpResponse:
    if endpoint != ENDPOINT or version not in instance.versions:
        return http_error(404, f"The endpoint {endpoint}/{version} does not exist on this instance.")
    parts = [p for p in rest.split("/") if p]
    if parts == ["swagger.json"] and request.method == "GET":
        return endpoint_schema(request, version)
    meta = entity_meta(version, parts[0]) if parts else None
    if meta is None:
        return http_error(404, f"The entity {parts[0] if parts else ''} does not exist in {endpoint}/{version}.")
    if auth.authenticate(instance, request.headers.get("Authorization", ""),
                         request.COOKIES.get(auth.COOKIE_NAME)) is None:
        return http_error(401, UNAUTHORIZED)
    actions.complete_due(instance)   # a real site finished these in the background, polled or not
    try:
        return _route(request, instance, version, parts, meta)
    except (FilterError, FlatFieldError) as e:
        return http_error(400, str(e))
    except ValueError as e:
        return http_error(400, f"The request body is not valid JSON: {e}")


def _route(request: HttpRequest, instance: Instance, version: str, parts: list[str], meta: dict) -> HttpResponse:
    name, method = parts[0], request.method
    if parts[1:] == ["$adHocSchema"] and method == "GET":
        return JsonResponse(swagger.ad_hoc_schema())
    if len(parts) == 1 and method == "GET":
        return list_records(request, instance, version, name)
    if len(parts) == 1 and method == "PUT":
        response = put(request, instance, version, name)
        if response.status_code < 300 and load.commit_then_fail(instance, name):
            return http_error(500, "An error has occurred. (sandbox fault injection after the record was saved)")
        return response
    if len(parts) == 2 and method == "POST":
        return invoke_action(request, instance, version, name, parts[1], meta)
    if len(parts) == 4 and parts[2] == "status" and method == "GET":
        return action_status(request, instance, parts[3])
    if method in ("GET", "DELETE"):
        return by_key(request, instance, version, name, parts[1:])
    return http_error(405, "The requested resource does not support this HTTP method.")


# Reference: acumatica-api.md §1 (per-endpoint swagger.json; ?company= names the tenant, no sign-in needed).
def endpoint_schema(request: HttpRequest, version: str) -> HttpResponse:
    if not swagger.has_document(version):
        return http_error(404, f"No schema is published for {ENDPOINT}/{version}.")
    endpoint_url = request.build_absolute_uri(request.path.rsplit("/", 1)[0])
    return HttpResponse(swagger.document(version, endpoint_url), content_type="application/json")


def _simulated(entity_name: str) -> bool:
    return entity_name in KEYS


# The contract's system fields that come from a record's own columns, not from its data.
MODIFIED_FIELDS = ("LastModified", "LastModifiedDateTime", "LastModifiedDate")
CREATED_FIELDS = ("CreatedDateTime", "CreatedDate")


def view_of(record: Record, version: str) -> dict:
    """The plain record plus system and per-version last-modified fields (names exactly as the contract)."""
    data = {**record.data, "id": str(record.note_id)}
    data.update(_system_fields(version, record.entity, record.note_id, record.last_modified, record.created_at))
    return data


def _system_fields(version: str, entity: str, note_id: uuid.UUID, last_modified, created_at) -> dict:
    fields = type_fields(version, entity) or {}
    data = {"id": str(note_id)}
    for name in MODIFIED_FIELDS:
        if fields.get(name) == "DateTimeValue":
            data[name] = last_modified.isoformat()
    for name in CREATED_FIELDS:
        if fields.get(name) == "DateTimeValue":
            data[name] = created_at.isoformat()
    return data


def rendered(request: HttpRequest, record: Record, version: str, query: Query) -> dict:
    out = render_record(version, record.entity, view_of(record, version), query.expand, query.select)
    base = request.path.split(f"/{version}/")[0] + f"/{version}/{record.entity}/{record.note_id}"
    out["_links"] = {"self": base, "files:put": base + "/files/{filename}"}
    return out


# Reference: acumatica-api.md section 3 "Query parameters" ($skip applies before $top; no count).
def list_records(request: HttpRequest, instance: Instance, version: str, name: str) -> HttpResponse:
    query = Query(request)
    if not _simulated(name):
        return JsonResponse([], safe=False)
    records = Record.objects.filter(instance=instance, entity=name).order_by("id")
    end = None if query.top is None else query.skip + query.top
    if query.filter:
        _check_filter_fields(version, name, query.filter)
        page = _filtered_page(records, version, name, query.filter, query.skip, end)
    else:
        page = list(records[query.skip:end])
    return JsonResponse([rendered(request, r, version, query) for r in page], safe=False)


def _filtered_page(records, version: str, name: str, text: str, skip: int, end: int | None) -> list[Record]:
    """The filter's matches from ``skip`` to ``end``, read no further than the page needs. A filter on system
    fields alone (the changed-since read, `LastModifiedDateTime gt ...`) is evaluated on those columns, with
    the values ``view_of`` gives them, and only the page's records are loaded whole: reading a 10,000-item
    catalog in pages of 500 is not 20 loads of 10,000 records."""
    keep = compile_filter(text)
    if set(field_names(text)) <= _column_fields(version, name):
        columns = records.values_list("pk", "note_id", "last_modified", "created_at").iterator(chunk_size=2000)
        pks = list(islice((pk for pk, *stamps in columns if keep(_system_fields(version, name, *stamps))), skip, end))
        by_pk = records.in_bulk(pks)
        return [by_pk[pk] for pk in pks]
    matching = (record for record in records.iterator(chunk_size=500) if keep(view_of(record, version)))
    return list(islice(matching, skip, end))


def _column_fields(version: str, name: str) -> set[str]:
    """The fields of ``view_of`` that come from a record's columns in this version."""
    fields = type_fields(version, name) or {}
    return {"id", *(n for n in (*MODIFIED_FIELDS, *CREATED_FIELDS) if fields.get(n) == "DateTimeValue")}


def _check_filter_fields(version: str, name: str, text: str) -> None:
    for path in field_names(text):
        type_name, fields = name, None
        for part in path.split("/"):
            fields = type_fields(version, type_name) or {}
            if part not in fields:
                raise FilterError(f"The field {path} is not defined in the {name} entity.")
            type_name = fields[part]


def _body(request: HttpRequest) -> Any:
    return json.loads(request.body or b"null")


# Reference: acumatica-api.md section 3 "PUT = create or update" (If-None-Match / If-Match: *, 412, 422).
def put(request: HttpRequest, instance: Instance, version: str, name: str) -> HttpResponse:
    query = Query(request)
    body = _body(request)
    plain = parse_record(version, name, body, strict=instance.refuse_unknown_fields)
    if name in inquiries.INQUIRIES:
        return JsonResponse(inquiries.INQUIRIES[name](instance, version, plain, query))
    if not _simulated(name):
        return http_error(500, f"The sandbox does not simulate the {name} entity.")
    try:
        check_lengths(version, name, plain)
        record, _ = put_record(instance, name, plain, if_match=request.headers.get("If-Match") == "*",
                               if_none_match=request.headers.get("If-None-Match") == "*")
    except PreconditionFailed as e:
        return http_error(412, str(e))
    except Invalid as e:
        return JsonResponse(invalid_body(version, e), status=422)
    return JsonResponse(rendered(request, record, version, query))


def invalid_body(version: str, error: Invalid) -> dict:
    """The 422 body: the record itself, a top-level `error` summary and an `error` on each failing field."""
    details = {path.split("/")[0] for path in error.errors if "/" in path}
    out = render_record(version, error.entity, error.plain, details)
    for path, message in error.errors.items():
        target: Any = out
        parts = path.split("/")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        target.setdefault(parts[-1], {})["error"] = message
    out["error"] = error.summary
    return out


def by_key(request: HttpRequest, instance: Instance, version: str, name: str, keys: list[str]) -> HttpResponse:
    if len(keys) == 1 and "|" in keys[0]:
        keys = keys[0].split("|")
    record = None
    if _simulated(name) and len(keys) == 1 and GUID.match(keys[0]):
        record = find(instance, name, {"id": keys[0]})
    elif _simulated(name) and len(keys) == len(KEYS[name]):
        record = find(instance, name, dict(zip(KEYS[name], keys)))
    if record is None:
        return http_error(404, "No entity satisfies the condition.")
    if request.method == "DELETE":
        return delete(instance, record)
    return JsonResponse(rendered(request, record, version, Query(request)))


def delete(instance: Instance, record: Record) -> HttpResponse:
    """A confirmed shipment must be corrected before it can be deleted. The Default specs declare only 204, 401 and
    500 for DELETE, so the refusal is a 500 HttpError carrying the business message."""
    refusal = shipments.deletion_refused(record)
    if refusal:
        return http_error(500, refusal, "PX.Data.PXException")
    with transaction.atomic():
        record.delete()
        shipments.deleted(instance, record)
    return HttpResponse(status=204)


# ---------------------------------------------------------------- actions

# Reference: acumatica-api.md section 4 "Actions" and "Long-running actions" (202 + Location, poll to 204).
def invoke_action(request: HttpRequest, instance: Instance, version: str, name: str, action: str,
                  meta: dict) -> HttpResponse:
    if action not in meta.get("actions", []):
        return http_error(404, f"The action {action} does not exist in the {name} entity.")
    if (name, action) not in actions.SUPPORTED:
        return http_error(500, f"The sandbox does not simulate the {action} action.")
    body = _body(request)
    if not isinstance(body, dict) or not isinstance(body.get("entity"), dict):
        return http_error(400, "The request body must contain an 'entity' object.")
    record = find(instance, name, parse_record(version, name, body["entity"], strict=instance.refuse_unknown_fields))
    if record is None:
        return http_error(400, "No entity satisfies the condition.")
    try:
        run = actions.start(instance, name, action, record, body.get("parameters") or {})
    except actions.ActionFailed as e:
        return JsonResponse(invalid_body(version, Invalid(name, view_of(record, version), {"Status": str(e)})),
                            status=422)
    if run.done:
        return HttpResponse(status=204)
    response = HttpResponse(status=202)
    response["Location"] = f"{request.path.rstrip('/')}/status/{run.run_id}"
    return response


def action_status(request: HttpRequest, instance: Instance, run_id: str) -> HttpResponse:
    try:
        run = ActionRun.objects.select_related("instance").get(instance=instance, run_id=uuid.UUID(run_id))
    except (ValueError, ActionRun.DoesNotExist):
        return http_error(404, "The long-running operation was not found.")
    actions.poll(run)
    if not run.done:
        response = HttpResponse(status=202)
        response["Location"] = request.path
        return response
    if run.error:
        return http_error(500, run.error)
    return HttpResponse(status=204)
