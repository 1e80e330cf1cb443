"""The tap: the redirect, click records, user agents, visitor hashes and the click spool.
It may import `accounts`, `storage` and `base`; keep its imports light (every cold start pays them)."""
