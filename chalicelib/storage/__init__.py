"""The DynamoDB tables (PynamoDB models, one module per capability), the key formats, pagination.
It may import `base` only; the capabilities read and write through it."""
