"""Sales, refunds, webhook signatures, the monthly close and statements; money values themselves
(currencies, commission rules, rounding) are in `base.money`. May import accounts, storage, base."""
