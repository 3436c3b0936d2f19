"""Simulated Acumatica instances (contract-based REST API, Default endpoint), for the demo and e2e tests.

Instance URL (what a tenant stores as `AcumaticaConnection.instance_url`): /sandbox/acumatica/<slug>
  GET  <instance>/entity                                   endpoint list (versions per instance)
  POST <instance>/identity/connect/token                   OAuth password / refresh_token grants
  POST <instance>/entity/auth/login | /entity/auth/logout  legacy cookie session (ASP.NET_SessionId)
  GET|PUT|DELETE <instance>/entity/Default/<ver>/<Entity>[/<keys or id>]   ($filter $expand $select $top $skip)
  POST <instance>/entity/Default/<ver>/<Entity>/<Action>   202 + Location .../<Action>/status/<guid>, poll to 204

Modules: models (state), schema (fields per version, {"value"} wrapping), odata ($filter), documents and
rules (insert-or-update, numbering, 422s), actions, inquiries (InventoryQuantityAvailable), auth, load
(limits and faults), push (push notifications), seed (`seed_instance`), state (helpers for tests), views.
"""
