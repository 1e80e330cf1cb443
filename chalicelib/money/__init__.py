"""Sales, refunds and webhook signatures (next: the monthly close and statements); money values
themselves (currencies, commission rules, rounding) are in `base.money`. May import accounts, storage, base."""
