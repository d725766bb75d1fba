"""The demo shop: a small checkout service to point horde at.

Products, carts, coupons and checkout over JSON, served by a stdlib asyncio HTTP/1.1 server
(keep-alive, Content-Length bodies). Browsing is served from memory and is fast. Checkout talks
to a simulated database through a small connection pool (``pool_size`` connections, each query
``query_ms`` long, three queries per checkout, at most ``pool_wait_ms`` to get a connection, else
503) — so, as in horde's founding story, hammering one endpoint passes while a realistic crowd of
~200 shoppers knocks checkout over.

    python -m horde.demo.shop --port 8080          # or: horde demo-target
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

PRODUCTS = {
    f"prod-{n}": {"id": f"prod-{n}", "name": name, "price_cents": price}
    for n, name, price in [
        (123, "Field notebook", 1299),
        (124, "Fountain pen", 4500),
        (125, "Ink, blue-black", 899),
        (126, "Desk lamp", 3999),
        (127, "Canvas tote", 1999),
    ]
}
COUPONS = {"SAVE10": 10, "WELCOME5": 5}
MAX_CARTS = 200_000
REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    503: "Service Unavailable",
}


@dataclass
class Settings:
    """How the shop's database behaves."""

    pool_size: int = 4
    query_ms: float = 40.0
    pool_wait_ms: float = 1000.0
    queries_per_checkout: int = 3


@dataclass
class Shop:
    """The shop's state and its simulated database pool."""

    settings: Settings = field(default_factory=Settings)
    carts: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)
    orders: int = 0
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    pool: asyncio.Semaphore | None = None

    def _pool(self) -> asyncio.Semaphore:
        if self.pool is None:
            self.pool = asyncio.Semaphore(self.settings.pool_size)
        return self.pool

    async def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        """Routes one request; returns (status, JSON-able payload)."""
        parts = [p for p in path.split("?")[0].split("/") if p]
        if parts == ["health"]:
            return 200, {"ok": True}
        if not parts and method in ("GET", "HEAD"):  # the storefront: what `horde new`'s starter browses
            return 200, {"shop": "horde demo shop", "products": "/v1/products"}
        if parts[:1] != ["v1"]:
            return 404, {"error": f"no route for {path}"}
        route = parts[1:]
        if route == ["products"] and method == "GET":
            return 200, {"products": list(PRODUCTS.values())}
        if len(route) == 2 and route[0] == "products" and method == "GET":
            if not headers.get("authorization", "").startswith("Bearer tok-"):
                return 401, {"error": "missing or invalid bearer token"}
            product = PRODUCTS.get(route[1])
            return (200, product) if product else (404, {"error": f"unknown product {route[1]}"})
        payload = _json(body)
        if payload is None and method == "POST":
            return 400, {"error": "body must be a JSON object"}
        if route == ["cart", "items"] and method == "POST":
            return self._add_to_cart(payload)
        if len(route) == 3 and route[0] == "cart" and route[2] == "coupons" and method == "POST":
            return self._coupon(route[1], payload)
        if route == ["checkout"] and method == "POST":
            return await self._checkout(payload)
        return 405 if route and route[0] in ("products", "cart", "checkout") else 404, {
            "error": f"no route for {method} {path}"
        }

    def _add_to_cart(self, payload: dict[str, Any]) -> tuple[int, Any]:
        product = PRODUCTS.get(str(payload.get("product_id")))
        quantity = payload.get("quantity", 1)
        if product is None or not isinstance(quantity, int) or quantity < 1:
            return 422, {"error": "product_id must name a product and quantity be ≥ 1"}
        cart_id = f"cart-{next(self.ids)}"
        self.carts[cart_id] = {
            "items": [{"product_id": product["id"], "quantity": quantity}],
            "discount": 0,
        }
        while len(self.carts) > MAX_CARTS:
            self.carts.popitem(last=False)
        return 201, {"cart_id": cart_id, "items": self.carts[cart_id]["items"]}

    def _coupon(self, cart_id: str, payload: dict[str, Any]) -> tuple[int, Any]:
        cart = self.carts.get(cart_id)
        if cart is None:
            return 404, {"error": f"unknown cart {cart_id}"}
        discount = COUPONS.get(str(payload.get("code")))
        if discount is None:
            return 422, {"error": "unknown coupon"}
        cart["discount"] = discount
        return 200, {"cart_id": cart_id, "discount_percent": discount}

    async def _checkout(self, payload: dict[str, Any]) -> tuple[int, Any]:
        cart = self.carts.get(str(payload.get("cart_id")))
        if cart is None:
            return 404, {"error": f"unknown cart {payload.get('cart_id')}"}
        if not payload.get("payment_method_id") or not isinstance(payload.get("shipping_address"), dict):
            return 422, {"error": "payment_method_id and shipping_address are required"}
        s = self.settings
        pool = self._pool()
        try:
            await asyncio.wait_for(pool.acquire(), timeout=s.pool_wait_ms / 1000)
        except TimeoutError:
            return 503, {"error": "database connection pool exhausted"}
        try:
            # Reserve stock, create the order, commit: one pooled connection held throughout.
            await asyncio.sleep(s.query_ms * s.queries_per_checkout / 1000)
        finally:
            pool.release()
        self.orders += 1
        total = sum(PRODUCTS[i["product_id"]]["price_cents"] * i["quantity"] for i in cart["items"])
        total = total * (100 - cart["discount"]) // 100
        return 200, {
            "order_id": f"order-{self.orders}",
            "total_cents": total,
            "status": "confirmed",
        }


def _json(body: bytes) -> Any:
    if not body:
        return {}
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


async def _serve_connection(shop: Shop, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                await _write(writer, 400, {"error": "bad request line"}, close=True)
                return
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            if length > 1_000_000:
                await _write(writer, 413, {"error": "body too large"}, close=True)
                return
            body = await reader.readexactly(length) if length else b""
            status, payload = await shop.handle(method, target, headers, body)
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            await _write(writer, status, payload, close)
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _write(writer: asyncio.StreamWriter, status: int, payload: Any, close: bool) -> None:
    body = json.dumps(payload).encode()
    connection = "Connection: close\r\n" if close else ""
    head = (
        f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{connection}\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()


async def serve(host: str, port: int, settings: Settings, ready: asyncio.Event | None = None) -> None:
    """Serves the shop until cancelled."""
    shop = Shop(settings)
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(shop, r, w), host, port, backlog=4096, limit=65536
    )
    if ready is not None:
        ready.set()
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    """``python -m horde.demo.shop``."""
    p = argparse.ArgumentParser(prog="horde demo-target", description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--pool-size", type=int, default=Settings.pool_size, help="database connections (default 4)")
    p.add_argument(
        "--query-ms",
        type=float,
        default=Settings.query_ms,
        help="time per database query (default 40)",
    )
    p.add_argument(
        "--pool-wait-ms",
        type=float,
        default=Settings.pool_wait_ms,
        help="longest wait for a connection (default 1000)",
    )
    args = p.parse_args(argv)
    settings = Settings(args.pool_size, args.query_ms, args.pool_wait_ms)
    print(
        f"demo shop on http://{args.host}:{args.port} "
        f"(pool {settings.pool_size} × {settings.query_ms:g} ms queries); Ctrl-C stops it",
        flush=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, settings))


if __name__ == "__main__":
    main()
