"""Short links, their destinations, a brand's allowed domains and QR codes.
It may import `accounts`, `storage` and `base`."""
