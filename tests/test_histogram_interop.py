"""horde's histograms in HdrHistogram's standard V2 encoding are read by another implementation
(the `hdrhistogram` PyPI package) with the same percentiles and counts."""

from __future__ import annotations

from hdrh.histogram import HdrHistogram

import horde


def test_pypi_hdrhistogram_decodes_horde_histograms(nginx):
    r = horde.attack(nginx.url(), rate=400, duration=1)
    ours = r.histogram("http_req_duration")
    theirs = HdrHistogram.decode(ours.to_base64())
    assert theirs.get_total_count() == ours.count == r.requests
    for p in (50, 90, 99, 99.9):
        assert theirs.get_value_at_percentile(p) == ours.percentile(p), p
    assert theirs.get_max_value() == ours.max


def test_histograms_round_trip_through_base64():
    h = horde.Histogram()
    for v in (1, 10, 100, 1_000, 10_000, 1_000_000):
        h.record(v)
    back = horde.Histogram.from_base64(h.to_base64())
    assert back.count == 6
    assert back.max == h.max
    assert back.percentile(50) == h.percentile(50)
