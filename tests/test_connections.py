"""Connections and addresses: the per-host cap (a shared pool VUs wait for, in turn), connection
policies, spreading connections over every address a name has, IPv6 and address-family policies."""

from __future__ import annotations

from collections import Counter

import pytest

import horde as h
from conformance import Nginx as ConfNginx


def peer_test(server, journey_steps, **options) -> h.Result:
    journey = h.journey("peer", *journey_steps)
    scenario = options.pop("scenario", None) or h.constant_vus(journey, vus=10, duration="1s")
    test = h.Test(base_url=options.pop("base_url", server.url("")), scenarios={"s": scenario}, **options)
    return test.run(progress=None)


def test_a_per_host_cap_makes_vus_share_connections_and_wait_in_turn(jar_server):
    jar_server.peers.clear()
    r = peer_test(
        jar_server, [h.get("/peer", check=h.status(200)), h.think(0.01)], max_connections_per_host=2, workers=1
    )
    ports = {port for port, _ in jar_server.peers}
    assert r.errors == {} and r.requests > 50
    assert len(ports) <= 2, f"{len(ports)} client connections seen by the server"
    assert r.generator["connections_opened"] <= 2
    assert r.generator["pool_waits"] > 0, "10 VUs on 2 connections must have waited"
    # The wait is part of what users experience: response time includes it, service time does not.
    assert r.response_time.p50_ms > r.service_time.p50_ms


def test_waiting_for_a_pooled_connection_is_not_send_lag(stall_server):
    # 20 arrivals/s on one connection to a server taking 0.1 s: requests queue for the connection,
    # which shows in response time; the generator itself is never late.
    stall_server.delay = 0.1
    journey = h.journey("one", h.get("/"))
    scenario = h.constant_arrival_rate(journey, rate=20, duration="1s", max_vus=50)
    r = h.Test(base_url=stall_server.url(""), scenarios={"s": scenario}, max_connections_per_host=1, workers=1).run(
        progress=None
    )
    assert r.errors == {} and r.requests == 20
    assert r.generator["pool_waits"] > 5
    assert r.response_time.max_ms > 500
    assert r.send_lag.p99_ms < 50
    # 20 requests of 0.1 s one after another: a released connection goes to the next VU at once.
    assert r.elapsed_s < 6


def test_the_cap_is_split_between_workers(jar_server):
    jar_server.peers.clear()
    r = peer_test(jar_server, [h.get("/peer")], max_connections_per_host=4, workers=2)
    assert r.errors == {}
    assert len({port for port, _ in jar_server.peers}) <= 4


@pytest.mark.parametrize(("policy", "expected"), [("per_vu", 2), ("per_iteration", 8), ("per_request", 16)])
def test_connection_policies(jar_server, policy, expected):
    scenario = h.per_vu_iterations(h.journey("two", h.get("/peer"), h.get("/peer")), vus=2, iterations=4)
    jar_server.peers.clear()
    r = peer_test(jar_server, [], scenario=scenario, connections=policy, workers=1)
    assert r.errors == {} and r.requests == 16
    assert r.generator["connections_opened"] == expected
    assert len({port for port, _ in jar_server.peers}) == expected


@pytest.mark.parametrize(("select", "both"), [("round_robin", True), ("first", False)])
def test_connections_spread_over_every_address_when_asked(jar_server, select, both):
    jar_server.peers.clear()
    r = peer_test(
        jar_server,
        [h.get("/peer")],
        base_url=f"http://jar.test:{jar_server.port}",
        hosts={"jar.test": ["127.0.0.1", "127.0.0.2"]},
        dns=h.Dns(select=select),
        connections="per_request",
        scenario=h.shared_iterations(h.journey("peer", h.get("/peer")), vus=2, iterations=40),
        workers=1,
    )
    assert r.errors == {}
    served = Counter(addr for _, addr in jar_server.peers)
    if both:
        assert served == {"127.0.0.1": 20, "127.0.0.2": 20}, served
    else:
        assert served == {"127.0.0.1": 40}, served


def test_ipv6_and_address_family_policies():
    with ConfNginx().start(host="::1") as server:
        r = h.attack(server.url("/hello"), requests=20, connections=2, progress=None)
        assert r.errors == {} and r.status == {"200": 20}
        named = h.attack(
            f"http://v6.test:{server.port}/hello",
            hosts={"v6.test": ["127.0.0.9", "::1"]},
            requests=10,
            connections=1,
            progress=None,
        )
        assert named.errors == {"connect_refused": 10}, "IPv4 first by default; nothing listens there"
        test = h.Test(
            base_url=f"http://v6.test:{server.port}",
            hosts={"v6.test": ["127.0.0.9", "::1"]},
            dns=h.Dns(policy="prefer_ipv6"),
            scenarios={"s": h.shared_iterations(h.journey("j", h.get("/hello")), vus=1, iterations=10)},
        )
        assert test.run(progress=None).status == {"200": 10}
        only4 = h.Test(
            base_url=f"http://[::1]:{server.port}",
            dns=h.Dns(policy="only_ipv4"),
            scenarios={"s": h.shared_iterations(h.journey("j", h.get("/hello")), vus=1, iterations=1)},
        )
        with pytest.raises(h.RunError, match="no IPv4 address"):
            only4.run(progress=None)
