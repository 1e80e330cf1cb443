"""The shared base: settings, the clock, ids, domain errors, plain-value checks, logs and metrics.
It imports nothing of Affilink's: every other package may import it."""
