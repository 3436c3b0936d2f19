"""Checks recorded Acumatica calls against the pinned version's official schema (the files the sandbox serves as
swagger.json, byte-identical to ../shared/specs/acumatica, see test_sandbox_acumatica_swagger.py).

`record_acumatica_calls` captures every request/response a test makes to a sandbox instance's endpoint;
`SpecCheck(version).violations(calls)` lists what breaks the schema: an undeclared operation or status, a body
(request or answer) that does not validate, formats included. Polls of a long-running action's status URL are
not in the endpoint schemas (they are documented in the guide only) and are skipped.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import requests
from jsonschema import Draft4Validator

from sandbox.acumatica.swagger import original


@dataclass
class Call:
    method: str
    path: str                # after /entity/Default/<version>
    request_body: Any
    status: int
    response_body: Any


@functools.cache
def _spec(version: str) -> dict:
    return json.loads(original(version))


def _pattern(template: str) -> re.Pattern:
    """`/SalesOrder/{ids}` matches keys joined by "/" ("SO/000001"); any other parameter one segment."""
    pieces = []
    for piece in re.split(r"(\{\w+\})", template):
        pieces.append(".+" if piece == "{ids}" else "[^/]+" if piece.startswith("{") else re.escape(piece))
    return re.compile("^" + "".join(pieces) + "$")


class SpecCheck:
    def __init__(self, version: str) -> None:
        self.version = version
        self.spec = _spec(version)
        templates = sorted(self.spec["paths"], key=lambda t: (t.count("{"), -len(t)))
        self.templates = [(t, _pattern(t)) for t in templates]

    def operation(self, method: str, path: str) -> tuple[str, dict] | None:
        for template, pattern in self.templates:
            if pattern.match(path) and method.lower() in self.spec["paths"][template]:
                return template, self.spec["paths"][template][method.lower()]
        return None

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _errors(self, schema: dict, value: Any) -> list[str]:
        root = {**schema, "definitions": self.spec.get("definitions", {}), "components": self.spec.get("components", {})}
        validator = Draft4Validator(root, format_checker=Draft4Validator.FORMAT_CHECKER)
        return [f"{list(e.absolute_path)}: {e.message[:160]}" for e in validator.iter_errors(value)]

    def _request_schema(self, operation: dict) -> dict | None:
        if "requestBody" in operation:
            return self._resolve(operation["requestBody"])["content"]["application/json"]["schema"]
        bodies = [self._resolve(p) for p in operation.get("parameters", []) if self._resolve(p).get("in") == "body"]
        return bodies[0]["schema"] if bodies else None

    def _response_schema(self, operation: dict, status: int) -> tuple[bool, dict | None]:
        answer = operation["responses"].get(str(status))
        if answer is None:
            return False, None
        answer = self._resolve(answer)
        if "content" in answer:
            return True, answer["content"].get("application/json", {}).get("schema")
        return True, answer.get("schema")

    def violations(self, calls: list[Call]) -> list[str]:
        found = []
        for call in calls:
            if "/status/" in call.path:
                continue
            matched = self.operation(call.method, call.path)
            where = f"{self.version} {call.method} {call.path} -> {call.status}"
            if matched is None:
                found.append(f"{where}: not an operation of the schema")
                continue
            _, operation = matched
            schema = self._request_schema(operation)
            if call.request_body is not None and schema is not None:
                found += [f"{where} request {e}" for e in self._errors(schema, call.request_body)]
            declared, schema = self._response_schema(operation, call.status)
            if not declared:
                found.append(f"{where}: status not declared by {operation['operationId']}")
            elif schema is not None and call.response_body is not None:
                found += [f"{where} answer {e}" for e in self._errors(schema, call.response_body)]
        return found

    def operation_ids(self, calls: list[Call]) -> set[str]:
        ids = set()
        for call in calls:
            matched = self.operation(call.method, call.path)
            if matched:
                ids.add(matched[1]["operationId"])
        return ids


def _json(raw: bytes | str | None) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def record_acumatica_calls(monkeypatch, calls: list[Call]) -> None:
    """Records every call made through `requests` to a sandbox instance's contract-based endpoint."""
    send = requests.Session.send
    endpoint = re.compile(r"/sandbox/acumatica/[-\w]+/entity/Default/[\d.]+(/.*)$")

    def recording_send(session, prepared, **kwargs):
        response = send(session, prepared, **kwargs)
        match = endpoint.search(prepared.path_url.split("?")[0])
        if match:
            calls.append(Call(prepared.method, match.group(1), _json(prepared.body), response.status_code,
                              _json(response.content)))
        return response

    monkeypatch.setattr(requests.Session, "send", recording_send)
