"""sessions: "50 concurrent shoppers whose sessions last about 2 s" turned into an arrival rate
(Little's law: 50 / 2 s = 25 sessions/s); the summary shows achieved vs intended concurrency.

A weighted mix sends 80% of sessions to browsing and 20% to a quick purchase.
"""

import horde as h
from _shop import BASE_URL, browse

buy = h.journey(
    "buy",
    h.post(
        "/v1/cart/items",
        name="add to cart",
        json={"product_id": "prod-125"},
        check=h.status(201),
        extract={"cart_id": h.json_path("$.cart_id")},
    ),
    h.think(0.5),
    h.post(
        "/v1/checkout",
        name="checkout",
        check=h.status(200),
        json={
            "cart_id": "${cart_id}",
            "payment_method_id": "pm-1",
            "shipping_address": {"city": "X"},
        },
    ),
)

test = h.Test(
    base_url=BASE_URL,
    scenarios={
        "shoppers": h.sessions(h.mix((browse, 8), (buy, 2)), concurrent=50, session_duration="2s", duration="30s")
    },
)
