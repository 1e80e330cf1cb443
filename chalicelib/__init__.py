"""Affilink's domain: one module per concept, none of them knows about Chalice."""
