"""The benchmark's synthetic server speaks the recorded formats, and a refresh of N papers sits on the
batch floor: ceil(N/100) arXiv requests, ceil(N/500) S2 requests, OpenReview bounded by its page size.
(Counts only; times are measured by benchmarks/refresh.py, never in tests.)"""

from __future__ import annotations

import math

from benchmarks.refresh import baseline, ours


def test_refresh_of_150_papers_sits_on_the_batch_floor():
    result = ours(150, latency_s=0.0, scale=0.0)
    assert result["found"] == {"arxiv": 150, "openreview": 150, "s2": 150} and result["found_crossref"] == 150
    counts = result["requests"]
    assert counts["arxiv"] == math.ceil(150 / 100) and counts["s2"] == math.ceil(150 / 500)
    assert counts["or2"] == math.ceil(150 / 100) and counts["or1"] == math.ceil(75 / 100)
    assert counts["crossref"] == math.ceil(150 / 50)  # the DOIs S2 names, asked once S2 has answered


def test_baseline_sends_one_request_per_id_and_finds_the_same():
    result = baseline(6, latency_s=0.0, scale=0.0)
    assert result["found"] == {"arxiv": 6, "s2": 6, "openreview": 6}
    assert result["requests"] == {"arxiv": 6, "s2": 6, "or2": 6, "or1": 3}
