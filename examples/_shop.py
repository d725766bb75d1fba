"""The browsing journey the executor examples share (against the demo shop, `horde demo-target`)."""

import horde as h

BASE_URL = h.env("BASE_URL", "http://127.0.0.1:8080")

browse = h.journey(
    "browse",
    h.get("/v1/products", name="catalogue", check=h.status(200)),
    h.think(0.5, 1.5),
    h.get(
        "/v1/products/prod-124",
        name="product",
        headers={"Authorization": "Bearer tok-${__vu}"},
        check=h.status(200),
    ),
)
