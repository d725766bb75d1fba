"""A test server of known capacity: ``slots`` workers, each taking ``service_ms`` per request, so
it completes at most ``slots / service_ms`` requests per millisecond — whatever its own timer jitter,
because each slot's next start is scheduled from the previous one's planned end, not from when the
event loop woke up.

Modes for what happens past capacity:

- ``queue``: an unbounded FIFO queue; latency grows without bound, throughput holds at capacity.
- ``shed``: at most ``queue`` requests wait; the rest get an immediate 503 (graceful degradation).
- ``collapse``: service time grows with the queue (``service_ms × (1 + queued / slots)``), so
  throughput falls as load rises (congestion collapse, as a thrashing server's does).

It writes one line per second to ``--record`` (JSON: second, completed, shed, waiting) so that a
test can compare what horde saw with what the server did.

    python tests/capacity_server.py --port 0 --slots 4 --service-ms 2 --mode queue
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import sys
import time


class Capacity:
    def __init__(self, slots: int, service_ms: float, mode: str, queue: int) -> None:
        self.slots, self.service_s, self.mode, self.queue_max = slots, service_ms / 1000, mode, queue
        self.free_at = [0.0] * slots  # when each slot is next free (a heap), loop time
        self.waiting = 0
        self.completed = self.shed = 0

    async def serve_one(self) -> int:
        loop = asyncio.get_running_loop()
        now = loop.time()
        queued = max(0, self.waiting - self.slots)  # waiting for a slot, not in service
        if self.mode == "shed" and queued >= self.queue_max and self.free_at[0] > now:
            self.shed += 1
            return 503
        service = self.service_s
        if self.mode == "collapse":
            service *= 1 + queued / self.slots
        start = max(now, heapq.heappop(self.free_at))
        end = start + service
        heapq.heappush(self.free_at, end)
        self.waiting += 1
        try:
            await asyncio.sleep(max(0.0, end - loop.time()))
        finally:
            self.waiting -= 1
        self.completed += 1
        return 200


async def handle(cap: Capacity, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            status = await cap.serve_one()
            body = b"ok" if status == 200 else b"busy"
            reason = b"OK" if status == 200 else b"Service Unavailable"
            writer.write(b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\n\r\n%s" % (status, reason, len(body), body))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def record(cap: Capacity, path: str) -> None:
    start = time.monotonic()
    second = 0
    last_completed = last_shed = 0
    with open(path, "a", encoding="utf-8") as f:
        while True:
            second += 1
            await asyncio.sleep(max(0.0, start + second - time.monotonic()))
            row = {
                "second": second,
                "unix_s": time.time(),
                "completed": cap.completed - last_completed,
                "shed": cap.shed - last_shed,
                "waiting": cap.waiting,
            }
            last_completed, last_shed = cap.completed, cap.shed
            f.write(json.dumps(row) + "\n")
            f.flush()


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--slots", type=int, default=4)
    p.add_argument("--service-ms", type=float, default=2.0)
    p.add_argument("--mode", choices=("queue", "shed", "collapse"), default="queue")
    p.add_argument("--queue", type=int, default=0, help="shed mode: most requests waiting for a slot")
    p.add_argument("--record", help="append one JSON line per second here")
    args = p.parse_args()
    cap = Capacity(args.slots, args.service_ms, args.mode, args.queue)
    server = await asyncio.start_server(lambda r, w: handle(cap, r, w), "127.0.0.1", args.port, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    if args.record:
        asyncio.get_running_loop().create_task(record(cap, args.record))
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
