"""Brands, creators, their programs (memberships), API keys and who is calling.
It may import `money` (a brand's commission rule), `links.domains`, `storage` and `base`."""
