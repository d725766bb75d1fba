"""ramping_arrival_rate: the session rate climbs 0 → 50/s over 30 s, holds, then falls (open model)."""

import horde as h
from _shop import BASE_URL, browse

test = h.Test(
    base_url=BASE_URL,
    scenarios={
        "arrivals": h.ramping_arrival_rate(browse, stages=[("30s", 50), ("20s", 50), ("10s", 0)], max_vus=200),
    },
)
