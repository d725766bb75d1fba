"""The two tests of horde's founding story, against the demo shop.

The naive test hammers one endpoint; the realistic one plays shoppers who browse, add to cart,
sometimes apply a coupon, and check out — compressed from ~4-minute sessions to a few seconds so
the demo runs in about a minute. Both use the same thresholds.
"""

from __future__ import annotations

from typing import Any

import horde as h
from horde.capacity import Capacity
from horde.data import Data
from horde.demo.shop import Settings
from horde.steps import Journey

THRESHOLDS = {
    "http_req_duration": ["p(95)<500"],
    "http_req_failed": ["rate<0.01"],
    "checks": ["rate>0.99"],
}

ADDRESS = {"street": "123 Test St", "city": "Testville", "zip": "12345", "country": "US"}


def checkout_journey(pace: float = 1.0) -> Journey:
    """Browse, add to cart, 30 % apply a coupon, check out. ``pace`` scales every think time."""
    return h.journey(
        "checkout",
        h.get(
            "/v1/products/prod-123",
            name="product",
            headers={"Authorization": "Bearer ${token}"},
            check=h.status(200),
        ),
        h.think(1 * pace, 3 * pace),
        h.post(
            "/v1/cart/items",
            name="add to cart",
            json={"product_id": "prod-123", "quantity": 1},
            check=h.status(201),
            extract={"cart_id": h.json_path("$.cart_id")},
        ),
        h.think(0.5 * pace, 2 * pace),
        h.maybe(
            0.3,
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
                "shipping_address": ADDRESS,
            },
        ),
        h.think(1 * pace, 5 * pace),
    )


def tokens(n: int = 1000) -> Data:
    """One account token per VU."""
    return h.values([f"tok-{i}" for i in range(1, n + 1)], per="vu")


def naive_test(base_url: str, vus: int = 100, duration: str = "15s") -> h.Test:
    """The test that passed before launch: many VUs hammering one endpoint back to back."""
    product = h.journey(
        "product only",
        h.get(
            "/v1/products/prod-123",
            name="product",
            headers={"Authorization": "Bearer ${token}"},
            check=h.status(200),
        ),
    )
    return h.Test(
        name="single endpoint",
        base_url=base_url,
        data={"token": tokens()},
        scenarios={"hammer": h.constant_vus(product, vus=vus, duration=duration, graceful_stop="5s")},
        thresholds=THRESHOLDS,
    )


def realistic_test(base_url: str, shoppers: int = 200, pace: float = 0.5) -> h.Test:
    """Shoppers ramping to ``shoppers`` concurrent sessions, compressed into about a minute."""
    stages = [("15s", shoppers // 2), ("15s", shoppers), ("20s", shoppers), ("5s", 0)]
    return h.Test(
        name="realistic journey",
        base_url=base_url,
        data={"token": tokens()},
        scenarios={
            "shoppers": h.ramping_vus(
                checkout_journey(pace), stages=stages, graceful_ramp_down="5s", graceful_stop="5s"
            )
        },
        thresholds=THRESHOLDS,
    )


def capacity_journey() -> Journey:
    """The part of a shopper's session that reaches the database: add to cart, then check out.

    Arrivals of this journey are checkouts, so its capacity is the shop's checkout capacity.
    """
    return h.journey(
        "add and check out",
        h.post(
            "/v1/cart/items",
            name="add to cart",
            json={"product_id": "prod-123", "quantity": 1},
            check=h.status(201),
            extract={"cart_id": h.json_path("$.cart_id")},
        ),
        h.post(
            "/v1/checkout",
            name="checkout",
            check=h.status(200),
            json={"cart_id": "${cart_id}", "payment_method_id": "pm-test-visa", "shipping_address": ADDRESS},
        ),
    )


#: The SLO of the capacity question: checkouts answered within half a second, under 1 % failed.
CAPACITY_SLO = {"http_req_duration{name:checkout}": "p(99)<500", "http_req_failed": "rate<0.01"}


def checkout_capacity(base_url: str, progress: Any = "auto") -> Capacity:
    """Finds the shop's checkout capacity (checkouts per second) under :data:`CAPACITY_SLO`."""
    return h.breakpoint(capacity_journey(), base_url=base_url, slo=CAPACITY_SLO, rates=(4, 400), progress=progress)


def analytic_capacity(settings: Settings | None = None) -> float:
    """Checkouts per second the shop's pool allows: connections / (queries × query time)."""
    s = settings or Settings()
    return s.pool_size / (s.queries_per_checkout * s.query_ms / 1000)
