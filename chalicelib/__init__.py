"""Affilink's code below `app.py`, one package per capability: accounts, links, tap, money;
`storage` under them, `base` under everything, `web` between Chalice and the capabilities."""
