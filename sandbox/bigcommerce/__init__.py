"""Simulated BigCommerce stores, served over real HTTP at
/sandbox/bigcommerce/stores/<store_hash>/v2/... and /v3/... (the real API's relative paths).

Modules: models (state), gate (auth, rate limit, faults), api_* (endpoints), render (JSON shapes),
refunds (quote/refund rules), webhooks (event queue, signed delivery, retries), storefront (shopper
actions and the traffic driver), seed (reset + demo catalog).
"""
