"""Stats: per-day counters fed by the aggregator from the clicks' and conversions' streams, and their reads.
It may import accounts, links, storage and base."""
