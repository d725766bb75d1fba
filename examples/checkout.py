"""The checkout flow of horde's founding story, against the demo shop.

horde demo-target &                       # the shop on http://127.0.0.1:8080
horde run examples/checkout.py            # the full 19-minute ramp to 200 shoppers
horde run examples/checkout.py --duration 2m -e PACE=0.2   # a quick look
"""

import horde as h

pace = float(h.env("PACE", "1"))  # scales every think time; 1 = real users

checkout = h.journey(
    "checkout",
    h.get(
        "/v1/products/prod-123",
        name="product",
        headers={"Authorization": "Bearer ${token}"},
        check=h.status(200),
    ),
    h.think(1 * pace, 3 * pace),  # uniform 1-3 s
    h.post(
        "/v1/cart/items",
        name="add to cart",
        json={"product_id": "prod-123", "quantity": 1},
        check=h.status(201),
        extract={"cart_id": h.json_path("$.cart_id")},
    ),
    h.think(0.5 * pace, 2 * pace),
    h.maybe(
        0.3,  # 30% of sessions apply a coupon
        h.post(
            "/v1/cart/${cart_id}/coupons",
            name="coupon",
            json={"code": "SAVE10"},
            check=h.status(200),
        ),
        h.think(0.5 * pace),
    ),
    h.post(
        "/v1/checkout",
        name="checkout",
        timeout="10s",
        check=h.status(200),
        json={
            "cart_id": "${cart_id}",
            "payment_method_id": "pm-test-visa",
            "shipping_address": {
                "street": "123 Test St",
                "city": "Testville",
                "zip": "12345",
                "country": "US",
            },
        },
    ),
    h.think(1 * pace, 5 * pace),
)

test = h.Test(
    base_url=h.env("BASE_URL", "http://127.0.0.1:8080"),
    data={"token": h.csv("users.csv", column="token", per="vu")},  # each VU its own account
    scenarios={
        "shoppers": h.ramping_vus(checkout, stages=[("2m", 20), ("10m", 200), ("5m", 200), ("2m", 0)]),
    },
    thresholds={
        "http_req_duration": ["p(95)<500"],
        "http_req_failed": ["rate<0.01"],
        "checks": ["rate>0.99"],
        # A journey SLO: 95% of checkout sessions done within 4 minutes (at PACE=1).
        "iteration_duration{journey:checkout}": [f"p(95)<{240_000 * pace:.0f}"],
    },
)
