"""constant_vus: 20 users browsing back to back for 30 s (closed model)."""

import horde as h
from _shop import BASE_URL, browse

test = h.Test(base_url=BASE_URL, scenarios={"browsers": h.constant_vus(browse, vus=20, duration="30s")})
