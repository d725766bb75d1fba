"""ramping_vus: the number of users follows stages — up to 50 over 20 s, hold, down (closed model)."""

import horde as h
from _shop import BASE_URL, browse

test = h.Test(
    base_url=BASE_URL,
    scenarios={"browsers": h.ramping_vus(browse, stages=[("20s", 50), ("20s", 50), ("10s", 0)])},
    thresholds={"http_req_duration": ["p(95)<500"]},
)
