"""The benchmark's synthetic server speaks the recorded formats, and a refresh of N papers sits on the
batch floor: ceil(N/100) arXiv requests, ceil(N/500) S2 requests, OpenReview bounded by its page size.
(Counts only; times are measured by benchmarks/refresh.py, never in tests.)"""

from __future__ import annotations

import math

from benchmarks.refresh import baseline, ours


def test_refresh_of_250_papers_sits_on_the_batch_floor():
    result = ours(250, latency_s=0.0, scale=0.0)
    assert result["found"] == {"arxiv": 250, "openreview": 250, "s2": 250}
    counts = result["requests"]
    assert counts["arxiv"] == math.ceil(250 / 100) and counts["s2"] == math.ceil(250 / 500)
    assert counts["or2"] == math.ceil(250 / 100) and counts["or1"] == math.ceil(125 / 100)


def test_baseline_sends_one_request_per_id_and_finds_the_same():
    result = baseline(6, latency_s=0.0, scale=0.0)
    assert result["found"] == {"arxiv": 6, "s2": 6, "openreview": 6}
    assert result["requests"] == {"arxiv": 6, "s2": 6, "or2": 6, "or1": 3}
