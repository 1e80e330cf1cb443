"""Short links, their destinations and QR codes.
It may import `accounts`, `storage` and `base`."""
