"""Synthetic nginx access logs produced by a known e-commerce workload model, with the ground truth.

The model (issue 12, acceptance point 1): eight page endpoints; sessions enter at a few of them and walk
a first-order Markov chain with an exit probability per state; between two pages a session pauses for a
lognormal think time whose median depends on the transition; sessions arrive as a non-homogeneous
Poisson process with a daily cosine curve (peak 3x the trough); product ids are Zipf-skewed. Static
assets (a few per page view) and load-balancer health checks are mixed in. Lines are nginx "combined",
time-sorted, optionally with `$request_time` appended and optionally gzip-compressed.

    truth = generate("access.log", lines=1_000_000, seed=1)
    python tests/logsynth.py access.log --lines 1000000   # also writes access.truth.json

`Truth` holds the model's parameters and what was actually written (counts, observed transitions,
think-time medians, sessions), so a learner's output can be checked against either.
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import gzip as gzip_module
import heapq
import json
import math
import random
import time
from array import array
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np


@dataclass(frozen=True)
class Endpoint:
    """A page endpoint of the model. ``regex`` matches the raw path and query of its requests."""

    method: str
    template: str
    regex: str
    think_s: float  # median pause before requesting this endpoint, before the source's pace
    pace: float  # multiplies the think median of every transition leaving this endpoint
    size: int  # typical response body, bytes
    rt_s: float  # typical $request_time, seconds

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ENDPOINTS = (
    Endpoint("GET", "/", r"^/$", 6.0, 1.0, 18_000, 0.020),
    Endpoint("GET", "/search?q={q}&page={n}", r"^/search\?q=[^&\s]+&page=\d+$", 8.0, 0.8, 26_000, 0.080),
    Endpoint("GET", "/products/{id}", r"^/products/\d+$", 18.0, 1.2, 32_000, 0.040),
    Endpoint("GET", "/products/{id}/reviews", r"^/products/\d+/reviews$", 30.0, 1.3, 12_000, 0.060),
    Endpoint("POST", "/cart/items", r"^/cart/items$", 12.0, 0.7, 180, 0.030),
    Endpoint("GET", "/cart/{uuid}", f"^/cart/{_UUID}$", 10.0, 1.0, 2_400, 0.025),
    Endpoint("POST", "/checkout", r"^/checkout$", 35.0, 1.0, 350, 0.250),
    Endpoint("GET", "/orders/{hex}", r"^/orders/[0-9a-f]{32}$", 20.0, 1.0, 4_000, 0.035),
)
HOME, SEARCH, PRODUCT, REVIEWS, ADD_TO_CART, CART, CHECKOUT, ORDER = range(len(ENDPOINTS))
NAMES = [e.name for e in ENDPOINTS]
ENTRY = {HOME: 0.45, SEARCH: 0.25, PRODUCT: 0.30}
# Transition probabilities; what a row leaves to 1 is that state's exit probability.
TRANSITIONS: dict[int, dict[int, float]] = {
    HOME: {SEARCH: 0.45, PRODUCT: 0.34, CART: 0.06, ORDER: 0.05},
    SEARCH: {SEARCH: 0.24, PRODUCT: 0.58, HOME: 0.06},
    PRODUCT: {PRODUCT: 0.37, REVIEWS: 0.15, ADD_TO_CART: 0.19, SEARCH: 0.14, HOME: 0.05},
    REVIEWS: {PRODUCT: 0.50, ADD_TO_CART: 0.26, SEARCH: 0.12},
    ADD_TO_CART: {CART: 0.58, PRODUCT: 0.26, SEARCH: 0.08},
    CART: {CHECKOUT: 0.55, PRODUCT: 0.22, HOME: 0.08},
    CHECKOUT: {ORDER: 0.80, HOME: 0.10},
    ORDER: {HOME: 0.25, PRODUCT: 0.15},
}
THINK_SIGMA = 0.8
THINK_CAP_S = 1200.0  # far below the learner's 30-minute inactivity timeout
PRODUCT_IDS, ZIPF_EXPONENT = 5000, 1.1
ARRIVAL_RATIO = 3.0  # peak / trough of the daily curve
ARRIVAL_PEAK_AT_S = 14 * 3600.0  # the curve peaks at 14:00 UTC
START_EPOCH = calendar.timegm((2026, 10, 10, 0, 0, 0))
P_FAVICON, P_IMAGE, P_CACHED = 0.3, 0.2, 0.35  # favicon on entry; product image; returning visitor (304s)
HEALTH_MIN_SHARE, SESSION_LINES_SHARE = 0.01, 0.97
SITE = "https://shop.example.com"
LOAD_BALANCER, HEALTH_UA = "172.16.0.2", "ELB-HealthChecker/2.0"
_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
USER_AGENTS = (  # (user agent, weight)
    (f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {_WEBKIT} Chrome/128.0 Safari/537.36", 5),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5", 2),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:129.0) Gecko/20100101 Firefox/129.0", 1),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile", 3),
    (f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {_WEBKIT} Chrome/128.0 Mobile Safari/537.36", 3),
)
WORDS = ("shoes", "boots", "jacket", "lamp", "desk", "chair", "mug", "kettle", "phone", "cable", "tent", "socks")
STATICS = (("/static/app.js", 184_213), ("/static/style.css", 48_771), ("/favicon.ico", 1_150))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def templates() -> list[tuple[str, str, str]]:
    """The model's page endpoints as (method, template, anchored regex of the raw path+query)."""
    return [(e.method, e.template, e.regex) for e in ENDPOINTS]


def _shape(t: Any, ratio: float = ARRIVAL_RATIO, peak_at: float = ARRIVAL_PEAK_AT_S) -> Any:
    """The daily arrival curve relative to its mean: 1 + a cos(2π(t - peak)/day), peak/trough = ratio."""
    a = (ratio - 1) / (ratio + 1)
    return 1 + a * np.cos(2 * np.pi * (np.asarray(t, dtype=float) - peak_at) / 86_400)


@dataclass
class Truth:
    """What the generator's model says and what it actually wrote (names are `"METHOD template"`)."""

    lines: int
    seed: int
    start_epoch: int  # time 0 of `arrival_rate` (the log's window starts here, UTC)
    arrival_window_s: float  # sessions arrive in [0, window)
    span_s: int  # last logged second minus first logged second
    templates: list[tuple[str, str, str]]  # (method, template, regex)
    endpoint_counts: dict[str, int]  # page requests written, per template
    endpoint_shares: dict[str, float]  # share of page requests (static and health excluded)
    entry: dict[str, float]  # model entry distribution
    observed_entry: dict[str, int]
    transitions: dict[str, dict[str, float]]  # model P(to | from), exits excluded
    exit: dict[str, float]  # model exit probability per state
    observed_transitions: dict[str, dict[str, int]]
    observed_exit: dict[str, int]
    think_sigma: float
    think_cap_s: float
    think_medians_s: dict[str, dict[str, float]]  # model median per transition
    observed_think_medians_s: dict[str, dict[str, float]]
    think_median_s: float  # pooled median of the think times generated (exact times)
    think_median_logged_s: float  # the same from the logged whole-second timestamps
    sessions: int
    pages_per_session: float  # observed mean
    expected_pages_per_session: float  # model
    arrival_ratio: float
    arrival_peak_at_s: float
    arrival_scale_per_min: float  # arrival_rate(t) = scale * shape(t)
    peak_sessions_per_min: float  # model peak
    peak_15min_sessions_per_min: float  # model: highest average over aligned 15-minute windows
    observed_peak_15min_sessions_per_min: float  # the same from the session starts written
    page_lines: int
    static_lines: int
    health_lines: int
    status_counts: dict[str, int]
    product_ids: int
    zipf_exponent: float
    id_counts: list[tuple[int, int]]  # top 20 (product id, GET /products/{id} requests)

    def arrival_rate(self, t_seconds: float) -> float:
        """Model session arrivals per minute at ``t_seconds`` after ``start_epoch``."""
        if not 0 <= t_seconds < self.arrival_window_s:
            return 0.0
        return float(self.arrival_scale_per_min * _shape(t_seconds, self.arrival_ratio, self.arrival_peak_at_s))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Truth:
        d = json.loads(text)
        d["templates"] = [tuple(t) for t in d["templates"]]
        d["id_counts"] = [tuple(t) for t in d["id_counts"]]
        return cls(**d)


class _Batches:
    """Numpy draws served one Python float at a time (cheap per call), refilled in batches."""

    def __init__(self, draw: Any, batch: int = 65_536) -> None:
        self.draw, self.batch, self.i = draw, batch, 0
        self.values: list[Any] = []

    def __call__(self) -> Any:
        if self.i == len(self.values):
            self.values, self.i = self.draw(self.batch).tolist(), 0
        self.i += 1
        return self.values[self.i - 1]


def _think_median(src: int, dst: int) -> float:
    return ENDPOINTS[dst].think_s * ENDPOINTS[src].pace


def _stamp(second: int) -> str:
    """$time_local of ``second`` after START_EPOCH, e.g. ``10/Oct/2026:13:55:36 +0000``."""
    tm = time.gmtime(START_EPOCH + second)
    day = f"{tm.tm_mday:02d}/{MONTHS[tm.tm_mon - 1]}/{tm.tm_year}"
    return f"{day}:{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} +0000"


def _open_text(path: str | Path, gzip: bool) -> IO[str]:
    if gzip:
        return gzip_module.open(path, "wt", compresslevel=6, encoding="ascii")
    return open(path, "w", encoding="ascii")


def generate(
    path: str | Path,
    *,
    lines: int = 1_000_000,
    seed: int = 1,
    request_time: bool = False,
    gzip: bool = False,
    span_s: float = 86_400.0,
) -> Truth:
    """Write exactly ``lines`` time-sorted combined-format lines to ``path`` and return the truth.

    Sessions are sized to fill about 97 % of the lines and health checks (evenly spaced over the window)
    fill the rest; if the sessions overflow, random ones are dropped (which thins the arrival rate).
    """
    rng, nrng = random.Random(seed), np.random.default_rng(seed)
    n = len(ENDPOINTS)
    q = np.array([[TRANSITIONS[s].get(t, 0.0) for t in range(n)] for s in range(n)])  # rows sum to 1 - exit
    visits = np.array([ENTRY.get(s, 0.0) for s in range(n)]) @ np.linalg.inv(np.eye(n) - q)  # pages per session
    lines_per_session = visits.sum() + 2 + P_FAVICON + P_IMAGE * visits[PRODUCT]
    a = (ARRIVAL_RATIO - 1) / (ARRIVAL_RATIO + 1)
    w = 2 * np.pi / 86_400
    shape_integral = span_s + a * (np.sin(w * (span_s - ARRIVAL_PEAK_AT_S)) - np.sin(-w * ARRIVAL_PEAK_AT_S)) / w
    scale_per_s = SESSION_LINES_SHARE * lines / lines_per_session / shape_integral
    # Session starts: a homogeneous process at the peak rate, thinned to the curve.
    top = scale_per_s * (1 + a)
    cand = np.sort(nrng.uniform(0, span_s, nrng.poisson(top * span_s)))
    starts = cand[nrng.uniform(0, top, len(cand)) < scale_per_s * _shape(cand)].tolist()
    plan = _plan_walks(rng, nrng, starts)
    kept, total = [True] * len(starts), sum(plan.session_lines)
    for i in rng.sample(range(len(starts)), len(starts)):
        if total <= lines - max(1, int(HEALTH_MIN_SHARE * lines)):
            break
        kept[i], total = False, total - plan.session_lines[i]
    gap = span_s / (lines - total)
    health = [(k + 0.9 * rng.random()) * gap for k in range(lines - total)]
    addresses = rng.sample(range(1, 1 << 24), len(starts))
    agents = rng.choices([u for u, _ in USER_AGENTS], [wt for _, wt in USER_AGENTS], k=len(starts))
    with _open_text(path, gzip) as out:
        writer = _LogWriter(out, seed + 1, request_time, health)
        for i, start in enumerate(starts):
            if kept[i]:
                writer.flush(start)  # every line before this session's start is final: no later session precedes it
                o, pages = addresses[i], slice(plan.offsets[i], plan.offsets[i + 1])
                addr = f"10.{o >> 16}.{(o >> 8) & 255}.{o & 255}"
                writer.session(addr, agents[i], plan.states[pages], plan.times[pages], plan.masks[pages])
        writer.flush(math.inf)
    return _truth(lines, seed, span_s, scale_per_s * 60 * sum(kept) / max(1, len(kept)), visits, plan, kept, writer)


@dataclass
class _Plan:
    """Every session's walk, flat: page states, exact times (s) and static-asset bits (1, 2, 4: the entry
    page's app.js, style.css, favicon.ico; 8: a product image); session i owns ``offsets[i]:offsets[i+1]``."""

    starts: list[float]
    states: array[int] = field(default_factory=lambda: array("b"))
    times: array[float] = field(default_factory=lambda: array("d"))
    masks: array[int] = field(default_factory=lambda: array("b"))
    offsets: list[int] = field(default_factory=lambda: [0])
    session_lines: list[int] = field(default_factory=list)  # pages + static assets


def _plan_walks(rng: random.Random, nrng: np.random.Generator, starts: list[float]) -> _Plan:
    """Walk the Markov chain once per session start, with lognormal think times between pages."""
    entry_states, entry_cum = list(ENTRY), list(np.cumsum(list(ENTRY.values())))
    succ = {s: list(row) for s, row in TRANSITIONS.items()}
    cum = {s: list(np.cumsum(list(row.values()))) for s, row in TRANSITIONS.items()}
    medians = {(s, t): _think_median(s, t) for s, row in TRANSITIONS.items() for t in row}
    normal = _Batches(nrng.standard_normal)
    plan = _Plan(starts)
    for start in starts:
        s = entry_states[bisect.bisect(entry_cum, rng.random() * entry_cum[-1])]
        t, mask, n_lines = start, 3 | (4 if rng.random() < P_FAVICON else 0), 0
        while True:
            if s == PRODUCT and rng.random() < P_IMAGE:
                mask |= 8
            plan.states.append(s)
            plan.times.append(t)
            plan.masks.append(mask)
            n_lines += 1 + mask.bit_count()
            k = bisect.bisect(cum[s], rng.random())
            if k == len(succ[s]):
                break
            nxt = succ[s][k]
            t += min(THINK_CAP_S, medians[s, nxt] * math.exp(THINK_SIGMA * normal()))
            s, mask = nxt, 0
        plan.offsets.append(len(plan.states))
        plan.session_lines.append(n_lines)
    return plan


class _LogWriter:
    """Formats the lines of each session and health check and writes them time-sorted.

    Lines wait in a heap until `flush(until)` writes those before ``until``; memory holds only the
    sessions in progress.
    """

    def __init__(self, out: IO[str], seed: int, request_time: bool, health: list[float]) -> None:
        self.out, self.request_time, self.health = out, request_time, health
        nrng, self.rng, self.rt_rng = np.random.default_rng(seed), random.Random(seed), random.Random(seed + 1)
        self.ids = nrng.choice(np.arange(1000, 100_000), PRODUCT_IDS, replace=False).tolist()
        zipf = np.arange(1, PRODUCT_IDS + 1, dtype=float) ** -ZIPF_EXPONENT
        self.product_rank = _Batches(lambda n: nrng.choice(PRODUCT_IDS, n, p=zipf / zipf.sum()))
        self.product_views = [0] * PRODUCT_IDS  # GET /products/{id} lines per popularity rank
        self.heap: list[tuple[float, int, str, str]] = []
        self.buf: list[str] = []
        self.status_counts: dict[str, int] = {}
        self.seq = self.health_i = self.static_lines = 0
        self.first_sec = self.last_sec = -1
        self.stamp = ""

    def push(self, t: float, addr: str, request: str, status: int, size: int, referer: str, ua: str, rt: float) -> None:
        self.seq += 1
        code = str(status)
        self.status_counts[code] = self.status_counts.get(code, 0) + 1
        tail = f'] "{request} HTTP/1.1" {code} {size} "{referer}" "{ua}"'
        tail += f" {rt:.3f}\n" if self.request_time else "\n"
        heapq.heappush(self.heap, (t, self.seq, f"{addr} - - [", tail))

    def flush(self, until: float) -> None:
        """Write every line (health checks included) timed before ``until``."""
        while self.health_i < len(self.health) and self.health[self.health_i] < until:
            self.push(self.health[self.health_i], LOAD_BALANCER, "GET /health", 200, 2, "-", HEALTH_UA, 0.0)
            self.health_i += 1
        heap, buf = self.heap, self.buf
        while heap and heap[0][0] < until:
            t, _, head, tail = heapq.heappop(heap)
            if int(t) != self.last_sec:
                self.last_sec, self.stamp = int(t), _stamp(int(t))
                self.first_sec = self.last_sec if self.first_sec < 0 else self.first_sec
            buf.append(head + self.stamp + tail)
        if len(buf) > 20_000 or until == math.inf:
            self.out.writelines(buf)
            buf.clear()

    def session(self, addr: str, ua: str, states: array[int], times: array[float], masks: array[int]) -> None:
        """Push one session's page requests and their static assets."""
        rng, ids = self.rng, self.ids
        h = f"{rng.getrandbits(128):032x}"
        cart, product, order, cached = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", -1, "", False
        referer = "https://www.google.com/" if rng.random() < 0.4 else "-"
        for s, t, mask in zip(states, times, masks, strict=True):
            if s == SEARCH:
                words = rng.choice(WORDS) if rng.random() < 0.7 else f"{rng.choice(WORDS)}+{rng.choice(WORDS)}"
                target = f"/search?q={words}&page={rng.choices((1, 2, 3, 4), (75, 15, 7, 3))[0]}"
            elif s in (PRODUCT, REVIEWS):
                if s == PRODUCT or product < 0:
                    product = self.product_rank()
                    self.product_views[product] += s == PRODUCT
                target = f"/products/{ids[product]}" + ("/reviews" if s == REVIEWS else "")
            elif s == CART:
                target = f"/cart/{cart}"  # one cart per session
            elif s == ORDER:
                target = f"/orders/{order or f'{rng.getrandbits(128):032x}'}"
            else:
                target = ENDPOINTS[s].template
                order = f"{rng.getrandbits(128):032x}" if s == CHECKOUT else order
            e, r = ENDPOINTS[s], rng.random()
            status, size = (200, int(e.size * (0.8 + 0.4 * rng.random())))
            if s == PRODUCT and r < 0.01:
                status, size = 404, 1_024
            elif r > 0.997:
                status, size = 500, 177
            rt = e.rt_s * math.exp(0.5 * self.rt_rng.gauss(0, 1))
            self.push(t, addr, f"{e.method} {target}", status, size, referer, ua, rt)
            page_url = SITE + target
            cached = rng.random() < P_CACHED if mask & 7 else cached  # a returning visitor gets 304s
            for bit, (asset, asset_size) in enumerate(STATICS):
                if mask & (1 << bit):
                    code, size = (304, 0) if cached else (200, asset_size)
                    self.push(t + 0.05 + 0.5 * rng.random(), addr, f"GET {asset}", code, size, page_url, ua, 0)
            if mask & 8:
                code, size = (404, 153) if rng.random() < 0.005 else (200, rng.randrange(20_000, 120_000))
                image = f"GET /img/p/{ids[product]}.jpg"
                self.push(t + 0.1 + 0.5 * rng.random(), addr, image, code, size, page_url, ua, 0.001)
            self.static_lines += mask.bit_count()
            referer = page_url if e.method == "GET" else referer


def _truth(
    lines: int,
    seed: int,
    span_s: float,
    scale_per_min: float,
    visits: np.ndarray,
    plan: _Plan,
    kept: list[bool],
    writer: _LogWriter,
) -> Truth:
    """The truth: the model's parameters and, from the kept sessions' plan and the writer, what was written."""
    n = len(ENDPOINTS)
    session = np.repeat(np.arange(len(plan.starts)), np.diff(plan.offsets))
    keep = np.asarray(kept, dtype=bool)[session]
    states = np.frombuffer(plan.states, dtype=np.int8).astype(np.int64)[keep]
    times = np.frombuffer(plan.times, dtype=np.float64)[keep]
    same = session[keep][1:] == session[keep][:-1]
    pair = (states[:-1] * n + states[1:])[same]
    think, think_logged = np.diff(times)[same], np.diff(np.floor(times))[same]
    counts, pair_counts = np.bincount(states, minlength=n), np.bincount(pair, minlength=n * n).reshape(n, n)
    entries = np.bincount(states[np.r_[True, ~same]], minlength=n)  # a session's first page
    exits = np.bincount(states[np.r_[~same, True]], minlength=n)  # and its last
    starts = np.asarray(plan.starts)[np.asarray(kept, dtype=bool)]
    grid = np.arange(0.0, span_s, 1.0)
    rate = scale_per_min * _shape(grid)
    window = np.floor(grid / 900).astype(np.int64)
    started = np.bincount((starts // 900).astype(np.int64)) if len(starts) else np.zeros(1)  # per 15 minutes
    views = writer.product_views
    top_ids = [(writer.ids[r], views[r]) for r in sorted(range(PRODUCT_IDS), key=lambda r: -views[r])[:20]]
    return Truth(
        lines=lines,
        seed=seed,
        start_epoch=START_EPOCH,
        arrival_window_s=span_s,
        span_s=writer.last_sec - writer.first_sec,
        templates=templates(),
        endpoint_counts={NAMES[s]: int(counts[s]) for s in range(n)},
        endpoint_shares={NAMES[s]: float(counts[s] / max(1, counts.sum())) for s in range(n)},
        entry={NAMES[s]: p for s, p in ENTRY.items()},
        observed_entry={NAMES[s]: int(entries[s]) for s in range(n)},
        transitions={NAMES[s]: {NAMES[t]: p for t, p in row.items()} for s, row in TRANSITIONS.items()},
        exit={NAMES[s]: round(1 - sum(row.values()), 12) for s, row in TRANSITIONS.items()},
        observed_transitions={
            NAMES[s]: {NAMES[t]: int(pair_counts[s, t]) for t in range(n) if pair_counts[s, t]} for s in range(n)
        },
        observed_exit={NAMES[s]: int(exits[s]) for s in range(n)},
        think_sigma=THINK_SIGMA,
        think_cap_s=THINK_CAP_S,
        think_medians_s={NAMES[s]: {NAMES[t]: _think_median(s, t) for t in row} for s, row in TRANSITIONS.items()},
        observed_think_medians_s={
            NAMES[s]: {NAMES[t]: float(np.median(think[pair == s * n + t])) for t in range(n) if pair_counts[s, t]}
            for s in range(n)
        },
        think_median_s=float(np.median(think)) if len(think) else 0.0,
        think_median_logged_s=float(np.median(think_logged)) if len(think) else 0.0,
        sessions=len(starts),
        pages_per_session=int(counts.sum()) / max(1, len(starts)),
        expected_pages_per_session=float(visits.sum()),
        arrival_ratio=ARRIVAL_RATIO,
        arrival_peak_at_s=ARRIVAL_PEAK_AT_S,
        arrival_scale_per_min=float(scale_per_min),
        peak_sessions_per_min=float(rate.max()),
        peak_15min_sessions_per_min=float((np.bincount(window, weights=rate) / np.bincount(window)).max()),
        observed_peak_15min_sessions_per_min=float(started.max() / 15),
        page_lines=int(counts.sum()),
        static_lines=writer.static_lines,
        health_lines=len(writer.health),
        status_counts=dict(sorted(writer.status_counts.items())),
        product_ids=PRODUCT_IDS,
        zipf_exponent=ZIPF_EXPONENT,
        id_counts=top_ids,
    )


def main() -> None:
    """Command line: write a log and its truth (``<name>.truth.json``) next to it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--request-time", action="store_true", help="append $request_time to each line")
    parser.add_argument("--gzip", action="store_true", help="gzip-compress the log")
    args = parser.parse_args()
    began = time.perf_counter()
    truth = generate(args.path, lines=args.lines, seed=args.seed, request_time=args.request_time, gzip=args.gzip)
    took = time.perf_counter() - began
    stem = Path(args.path).name.removesuffix(".gz").removesuffix(".log")
    truth_path = Path(args.path).with_name(f"{stem}.truth.json")
    truth_path.write_text(truth.to_json())
    print(f"{truth.lines} lines ({truth.sessions} sessions) in {took:.1f} s: {args.path}, {truth_path}")


if __name__ == "__main__":
    main()
