"""shared_iterations: 10 users share 100 sessions; faster users do more of them."""

import horde as h
from _shop import BASE_URL, browse

test = h.Test(base_url=BASE_URL, scenarios={"browsers": h.shared_iterations(browse, vus=10, iterations=100)})
