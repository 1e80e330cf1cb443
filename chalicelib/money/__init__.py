"""Sales, refunds, commission rules and arithmetic, currencies, webhook signatures (and next the monthly close).
It may import `storage` and `base` only, so that `accounts` can use its commission rule."""
