"""Brands (and their allowed domains), creators, programs (memberships), API keys and who is calling.
It may import `storage` and `base` only: links, the tap and money build on it."""
