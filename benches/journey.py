"""The 6-step journey of the journey-overhead benchmark (benches/compare.py runs it).

Every step renders templates, runs checks, and three extract values from JSON, headers or a regex,
against nginx's fixed JSON responses; VUs loop with no think time, so the generator's CPU per
request can be compared with a plain GET in the same run.
"""

import horde as h

journey = h.journey(
    "six steps",
    h.get("/json", name="list", check=h.status(200), extract={"id": h.json_path("$.id")}),
    h.get("/item/${id}?vu=${__vu}&i=${__iteration}", name="item", check=h.status(200)),
    h.post(
        "/json", name="update", json={"id": "${id}", "qty": "${__iteration}"}, check=h.json_path("$.ok", equals=True)
    ),
    h.get("/json", name="headers", headers={"X-Id": "${id}"}, check=h.header("Content-Type", "application/json")),
    h.get("/item/${id}", name="body", check=h.body_contains("ok")),
    h.get("/json", name="regex", extract={"id": h.regex(r'"id": "([^"]+)"')}),
)

test = h.Test(
    base_url=h.env("BASE_URL"),
    scenarios={"loop": h.constant_vus(journey, vus=int(h.env("VUS", "64")), duration=h.env("DURATION", "10s"))},
)
