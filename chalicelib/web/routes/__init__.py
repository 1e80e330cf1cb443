"""The API's routes, one Chalice blueprint per capability, registered by `app.py` (no URL prefix:
each route declares its whole path). Each route is a few lines: parse the request (`web/api.py`'s
`api`), call one domain function, shape the answer (`web/responses.py`).

Every module here is imported by `app.py`, so by every cold start, the redirect's included: a
module imports at its top only what `app.py` paid for before the split (the accounts, links,
conversions and the tap); the back office's modules (the close, statements, shop integrations,
stats, the dashboard's Jinja2, segno's QR codes, the OpenAPI document's YAML) inside the routes
that need them."""
