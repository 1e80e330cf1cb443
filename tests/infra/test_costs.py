"""The README's cost table is what infra/costs.py computes from the published prices."""
from __future__ import annotations

from infra import costs
from tests.infra.conftest import ROOT


def test_the_readme_shows_the_computed_cost_table_and_its_summary():
    readme = (ROOT / "README.md").read_text()
    assert costs.markdown() in readme
    assert costs.summary() in readme


def test_a_million_taps_through_cloudfront_cost_less_than_through_api_gateway():
    api_gateway, cloudfront = costs.totals()
    assert round(api_gateway, 2) == 5.26 and round(cloudfront, 2) == 2.96
    entry = costs.per_million_taps()[0]
    assert (entry.api_gateway, round(entry.cloudfront, 2)) == (3.50, 1.20)
