"""constant_arrival_rate: 20 new sessions per second for 30 s, whatever the responses do (open model).

Sessions that find all 100 VUs busy are dropped and counted in dropped_iterations.
"""

import horde as h
from _shop import BASE_URL, browse

test = h.Test(
    base_url=BASE_URL,
    scenarios={"arrivals": h.constant_arrival_rate(browse, rate=20, duration="30s", max_vus=100)},
    thresholds={"dropped_iterations": ["count==0"], "http_req_duration": ["p(99)<1000"]},
)
