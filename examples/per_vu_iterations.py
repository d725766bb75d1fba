"""per_vu_iterations: each of 10 users browses exactly 5 times (50 sessions in all)."""

import horde as h
from _shop import BASE_URL, browse

test = h.Test(base_url=BASE_URL, scenarios={"browsers": h.per_vu_iterations(browse, vus=10, iterations=5)})
