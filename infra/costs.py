"""What a million taps cost, both ways, from AWS's published on-demand prices (us-east-1, list
prices as published in 2026; check the pricing pages before relying on a figure). The README's
cost table is this module's `markdown()` (a test keeps them equal): `python -m infra.costs`."""
from __future__ import annotations

from dataclasses import dataclass

MILLION = 1_000_000

# Published prices (USD).
API_GATEWAY_REST_PER_MILLION = 3.50  # REST API requests, first 333 million a month
API_GATEWAY_DATA_OUT_PER_GB = 0.09
CLOUDFRONT_HTTPS_PER_10K_EUROPE = 0.0120  # HTTPS requests, Europe (France's viewers); $0.0100 in the US
CLOUDFRONT_DATA_OUT_PER_GB = 0.085  # first 10 TB, Europe and US
LAMBDA_REQUESTS_PER_MILLION = 0.20
LAMBDA_GB_SECOND = 0.0000166667  # x86_64
DYNAMODB_WRITE_PER_MILLION = 0.625  # on-demand write request units
DYNAMODB_READ_PER_MILLION = 0.125  # on-demand read request units

# What a tap does (measured in bench/, assumed where marked).
REDIRECT_BYTES = 600  # a 302 with its headers, empty body
TAP_BILLED_MS = 10  # assumed: ~1 ms of our work (make bench) + one PutItem in AWS, at 512 MB
TAP_MEMORY_GB = 0.5
WRITES_PER_TAP = 2.05  # make bench, viral link: the click, its visitor mark, the counters (1 WRU each)
READS_PER_TAP = 1.0  # assumed: the aggregator's BatchGetItem of marks and counters, per click
AGGREGATOR_BATCH = 100  # clicks per stream batch (chalicelib/background.py)
AGGREGATOR_BILLED_MS = 200  # assumed per batch of 100, at 512 MB
# DynamoDB Streams reads by a Lambda trigger are free; TTL deletions are free.


@dataclass(frozen=True)
class Line:
    what: str
    api_gateway: float
    cloudfront: float


def per_million_taps() -> list[Line]:
    gigabytes_out = MILLION * REDIRECT_BYTES / 1e9
    tap_duration = MILLION * TAP_BILLED_MS / 1000 * TAP_MEMORY_GB * LAMBDA_GB_SECOND
    batches = MILLION / AGGREGATOR_BATCH
    aggregator = (batches * LAMBDA_REQUESTS_PER_MILLION / MILLION
                  + batches * AGGREGATOR_BILLED_MS / 1000 * TAP_MEMORY_GB * LAMBDA_GB_SECOND)
    writes = WRITES_PER_TAP * DYNAMODB_WRITE_PER_MILLION
    reads = READS_PER_TAP * DYNAMODB_READ_PER_MILLION
    return [
        Line("Entry: API Gateway REST requests ($3.50/M) / CloudFront HTTPS requests, Europe ($0.012/10k)",
             API_GATEWAY_REST_PER_MILLION, CLOUDFRONT_HTTPS_PER_10K_EUROPE * 100),
        Line(f"Data out, {REDIRECT_BYTES} bytes a redirect ($0.09 / $0.085 per GB)",
             gigabytes_out * API_GATEWAY_DATA_OUT_PER_GB, gigabytes_out * CLOUDFRONT_DATA_OUT_PER_GB),
        Line("Lambda requests ($0.20/M)", LAMBDA_REQUESTS_PER_MILLION, LAMBDA_REQUESTS_PER_MILLION),
        Line(f"Lambda duration, {TAP_BILLED_MS} ms at 512 MB", tap_duration, tap_duration),
        Line(f"DynamoDB writes, {WRITES_PER_TAP} WRU a tap (click, visitor mark, counters; $0.625/M)",
             writes, writes),
        Line(f"DynamoDB reads, ~{READS_PER_TAP:g} RRU a tap (the aggregator's marks and counters; $0.125/M)",
             reads, reads),
        Line("Stats aggregator: Lambda, a batch of 100 clicks in ~200 ms (stream reads are free)",
             aggregator, aggregator),
    ]


def totals() -> tuple[float, float]:
    lines = per_million_taps()
    return sum(line.api_gateway for line in lines), sum(line.cloudfront for line in lines)


def summary() -> str:
    """The README's sentence under the table."""
    lines = per_million_taps()
    api_gateway, cloudfront = totals()
    path = lines[:2]  # the entry and the data out: what the choice of path changes
    return (f"The path alone (entry and data out) costs {sum(line.api_gateway for line in path):.2f} vs "
            f"{sum(line.cloudfront for line in path):.2f} USD a million; what both share, mostly DynamoDB's "
            f"writes (the click, its visitor mark, the stats counters), keeps the whole at "
            f"{cloudfront / api_gateway:.0%}.")


def markdown() -> str:
    rows = ["| per million taps (USD) | API Gateway → API function | CloudFront → tap function |", "|---|---:|---:|"]
    rows += [f"| {line.what} | {line.api_gateway:.2f} | {line.cloudfront:.2f} |" for line in per_million_taps()]
    api_gateway, cloudfront = totals()
    rows.append(f"| **total** | **{api_gateway:.2f}** | **{cloudfront:.2f}** ({cloudfront / api_gateway:.0%}) |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown())
    print()
    print(summary())
