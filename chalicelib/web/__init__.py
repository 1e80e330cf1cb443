"""Between Chalice and the capabilities: request bodies and queries, auth per route, rate limits,
the mapping of domain errors to HTTP answers, HTML pages, the OpenAPI document. It may import everything below it."""
