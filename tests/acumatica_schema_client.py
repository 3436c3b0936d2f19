"""An Acumatica client that knows only what the instance publishes about itself.

It is deliberately not sync/acumatica.py: it lists the endpoints (GET <instance>/entity), downloads the pinned
version's own schema (GET .../swagger.json), takes its base URL from that document, and refuses to make any call
the schema does not declare (path, method, query parameter). Bodies are validated against the schema's models
before they are sent and answers after they arrive, formats included (date-time via rfc3339-validator), as a
generated client would. Sign-in and sign-out are instance-level (/entity/auth/login|logout: [DOC] Login/Logout),
not part of an endpoint's schema, so they are written by hand.
"""
from __future__ import annotations

import time
from typing import Any

import requests
from jsonschema import Draft4Validator


class NotInSchema(AssertionError):
    """The call is not declared by the endpoint's schema."""


class SchemaClient:
    def __init__(self, instance_url: str, endpoint: str = "Default") -> None:
        self.instance_url = instance_url.rstrip("/")
        self.endpoint = endpoint
        self.http = requests.Session()
        self.http.headers["Accept"] = "application/json"
        self.spec: dict[str, Any] = {}
        self.base = ""

    # -- discovery -------------------------------------------------------------------------------------
    def versions(self) -> list[str]:
        reply = self.http.get(f"{self.instance_url}/entity", timeout=30)
        reply.raise_for_status()
        return [e["version"] for e in reply.json()["endpoints"] if e["name"] == self.endpoint]

    def load(self, version: str, company: str) -> None:
        reply = self.http.get(f"{self.instance_url}/entity/{self.endpoint}/{version}/swagger.json",
                              params={"company": company}, timeout=60)
        reply.raise_for_status()
        self.spec = reply.json()
        if "swagger" in self.spec:        # Swagger 2.0 (22/23.200.001)
            self.base = f"{self.spec['schemes'][0]}://{self.spec['host']}{self.spec['basePath']}"
        else:                             # OpenAPI 3 (24.200.001)
            self.base = self.spec["servers"][0]["url"]

    # -- session ---------------------------------------------------------------------------------------
    def login(self, name: str, password: str, tenant: str) -> requests.Response:
        return self.http.post(f"{self.instance_url}/entity/auth/login",
                              json={"name": name, "password": password, "tenant": tenant}, timeout=30)

    def logout(self) -> requests.Response:
        return self.http.post(f"{self.instance_url}/entity/auth/logout", timeout=30)

    # -- the schema ------------------------------------------------------------------------------------
    def _operation(self, method: str, template: str) -> dict:
        operation = self.spec["paths"].get(template, {}).get(method.lower())
        if operation is None:
            raise NotInSchema(f"{method} {template} is not in the endpoint's schema")
        return operation

    def _parameters(self, operation: dict) -> dict[str, dict]:
        resolved = [self._resolve(p) for p in operation.get("parameters", [])]
        return {p["name"]: p for p in resolved}

    def _resolve(self, node: dict) -> dict:
        while "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def _body_schema(self, operation: dict) -> dict:
        if "requestBody" in operation:
            return self._resolve(operation["requestBody"])["content"]["application/json"]["schema"]
        return next(p["schema"] for p in self._parameters(operation).values() if p["in"] == "body")

    def _answer_schema(self, operation: dict, status: int) -> dict | None:
        answer = operation["responses"].get(str(status))
        if answer is None:
            raise NotInSchema(f"status {status} is not declared for {operation['operationId']}")
        answer = self._resolve(answer)
        if "content" in answer:
            return answer["content"].get("application/json", {}).get("schema")
        return answer.get("schema")

    def check(self, schema: dict, value: Any) -> None:
        root = {**schema, "definitions": self.spec.get("definitions", {}),
                "components": self.spec.get("components", {})}
        Draft4Validator(root, format_checker=Draft4Validator.FORMAT_CHECKER).validate(value)

    # -- calls -----------------------------------------------------------------------------------------
    def call(self, method: str, template: str, path: str, body: Any = None, **query: Any) -> requests.Response:
        operation = self._operation(method, template)
        declared = self._parameters(operation)
        unknown = set(query) - set(declared)
        if unknown:
            raise NotInSchema(f"{sorted(unknown)} are not parameters of {operation['operationId']}")
        if body is not None:
            self.check(self._body_schema(operation), body)
        reply = self.http.request(method, self.base + path, json=body, params=query or None, timeout=30)
        schema = self._answer_schema(operation, reply.status_code)
        if schema is not None and reply.content:
            self.check(schema, reply.json())
        return reply

    def list(self, entity: str, **query: Any) -> list[dict]:
        reply = self.call("GET", f"/{entity}", f"/{entity}", **query)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def get(self, entity: str, keys: list[str], **query: Any) -> dict:
        reply = self.call("GET", f"/{entity}/{{ids}}", f"/{entity}/" + "/".join(keys), **query)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def put(self, entity: str, record: dict, **query: Any) -> requests.Response:
        return self.call("PUT", f"/{entity}", f"/{entity}", record, **query)

    def ad_hoc_schema(self, entity: str) -> requests.Response:
        return self.call("GET", f"/{entity}/$adHocSchema", f"/{entity}/$adHocSchema")

    def run_action(self, entity: str, action: str, record: dict, poll_seconds: float = 0.05,
                   timeout: float = 30.0) -> list[int]:
        """Invokes the action and follows 202 + Location until 204; returns the statuses seen."""
        reply = self.call("POST", f"/{entity}/{action}", f"/{entity}/{action}", {"entity": record, "parameters": {}})
        seen = [reply.status_code]
        deadline = time.monotonic() + timeout
        while reply.status_code == 202 and time.monotonic() < deadline:
            time.sleep(poll_seconds)
            location = reply.headers["Location"]
            url = location if location.startswith("http") else self.instance_url.split("/sandbox/")[0] + location
            reply = self.http.get(url, timeout=30)
            seen.append(reply.status_code)
        return seen
