#!/usr/bin/env python3
"""The soak benchmark's mixed load beside hey's steady requests (bench/soak.sh), standard library only.

  driver.py init-routes DIR BACKEND,...   writes the stable routes and the first churned ones into DIR
  driver.py run DIR BACKEND,... [options] runs, until SIGTERM or --duration, all at once:
    churn     every --churn-every seconds one churned route file (churn-NN.yaml, /c/NN/) added, removed or changed
              (rate limits, body limits, source ranges, rewrites, headers, balancers; now and then a bad file)
    probes    --probe-rate requests a second to churned routes, each from a random 127.x.y.z address, checked
              against the route as its file says once the change has had time to apply
    slow      --slow clients sending heads and bodies byte by byte (in time, and too slowly: 408 or closed
              expected), or reading a 2 MiB body slowly
    uploads   --uploads clients posting large bodies: complete, cut off mid-body (FIN or RST), over the limit
    ws        --ws clients opening WebSockets, exchanging a few messages and closing; --ws-idle more held open
              idle for 10 to --ws-idle-max seconds, then used once and closed (or dropped)
  Every second the counts so far go to --stats (JSON: kind -> {ok, refused, error}); each unexpected outcome is a
  line in --errors. "refused" counts refusals the proxy owed (429, 403, 413, 408, a slow head cut off).
"""
import argparse
import asyncio
import base64
import ipaddress
import json
import os
import random
import signal
import socket
import struct
import sys
import time

STABLE_ROUTES = {
    "steady": {"rules": [{"paths": ["/steady/"], "rewrite": [{"search": "^/steady/", "replace": "/"}]}]},
    "upload": {"rules": [{"paths": ["/upload/"], "maxRequestBodySize": "4MiB"}]},
    "ws": {"rules": [{"paths": ["/ws/"], "timeouts": {"tunnel": "180s"}}]},
    "slow": {"rules": [{"paths": ["/slow/"]}]},
}
CHURN_SLOTS = 60  # churned routes come and go among these slots, /c/00/ to /c/59/
CHURN_MIN, CHURN_MAX, CHURN_START = 40, 50, 46
SETTLE = 3.0  # seconds after a route file changes before a probe must see the change (files are polled every 1 s)
BODY_LIMITS = {"1KiB": 1024, "64KiB": 65536, "1MiB": 1048576}
UPLOAD_LIMIT = 4 * 1048576


def route_document(name, spec, endpoints):
    spec = dict(spec)
    spec.setdefault("endpoints", [{"address": a} for a in endpoints])
    # JSON is YAML: the files are written as JSON documents under .yaml names
    return json.dumps({"apiVersion": "ballast.dev/v1alpha1", "kind": "Route", "metadata": {"name": name},
                       "spec": spec}, indent=1) + "\n"


def write_atomically(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")  # not *.yaml: not read
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class Stats:
    def __init__(self, errors_path):
        self.counts = {}
        self.errors = open(errors_path, "a", buffering=1)

    def count(self, kind, outcome, detail=None):
        self.counts.setdefault(kind, {"ok": 0, "refused": 0, "error": 0})[outcome] += 1
        if outcome == "error":
            self.errors.write("%s %s %s\n" % (time.strftime("%H:%M:%S"), kind, detail))

    def write(self, path):
        write_atomically(path, json.dumps(self.counts))


class ChurnedRoute:
    """What a slot's file says now (None: no file or only a bad one ever), and since when (monotonic time)."""

    def __init__(self, config, since, version):
        self.config, self.since, self.version = config, since, version


class Churn:
    def __init__(self, directory, endpoints, rng):
        self.directory, self.endpoints, self.rng = directory, endpoints, rng
        self.routes = [ChurnedRoute(None, 0.0, 0) for _ in range(CHURN_SLOTS)]
        self.files = set()
        self.version = 0

    def path(self, slot):
        return os.path.join(self.directory, "churn-%02d.yaml" % slot)

    def random_spec(self, slot):
        r = self.rng
        rule = {"paths": ["/c/%02d/" % slot]}
        spec = {"rules": [rule]}
        if r.random() < 0.3:
            rate = r.choice([2, 5, 20])
            spec["rateLimit"] = {"requestsPerSecond": rate, "burst": r.choice([1, 3, rate])}
        if r.random() < 0.3:
            rule["maxRequestBodySize"] = r.choice(list(BODY_LIMITS))
        if r.random() < 0.3:
            rule["allowedSourceRanges"] = r.choice([["127.0.0.0/8"], ["127.0.0.0/9"], ["10.0.0.0/8"],
                                                    ["127.128.0.0/9", "192.168.0.0/16"]])
        if r.random() < 0.3:
            rule["rewrite"] = [{"search": "^/c/%02d/" % slot, "replace": "/renamed/"}]
        if r.random() < 0.2:
            rule["requestHeaders"] = {"set": {"X-Soak": str(r.randrange(1000))}, "remove": ["X-Debug"]}
            rule["responseHeaders"] = {"add": {"X-Soak-Route": "c%02d" % slot}}
        if r.random() < 0.2:
            rule["timeouts"] = {"server": r.choice(["5s", "10s"])}
        if r.random() < 0.3:
            spec["loadBalancing"] = {"policy": r.choice(["RoundRobin", "LeastRequest", "PeakEwma"])}
        if r.random() < 0.2:
            spec["retries"] = {"attempts": r.randrange(0, 3)}
        spec["endpoints"] = [{"address": a} for a in r.choice([self.endpoints, self.endpoints[:1],
                                                                self.endpoints[-1:]])]
        return spec

    def write(self, slot, spec, now):
        write_atomically(self.path(slot), route_document("churn-%02d" % slot, spec, self.endpoints))
        self.files.add(slot)
        self.version += 1
        self.routes[slot] = ChurnedRoute(spec, now, self.version)

    def write_bad(self, slot):
        spec = self.random_spec(slot)
        spec["loadBalancing"] = {"policy": "Bogus"}  # a file that turns bad keeps its last good routes
        write_atomically(self.path(slot), route_document("churn-%02d" % slot, spec, self.endpoints))
        self.files.add(slot)

    def remove(self, slot, now):
        os.remove(self.path(slot))
        self.files.discard(slot)
        self.version += 1
        self.routes[slot] = ChurnedRoute(None, now, self.version)

    def initial(self):
        for slot in range(CHURN_START):
            self.write(slot, self.random_spec(slot), 0.0)

    def step(self, now):
        """One change; returns what it did."""
        present = sorted(self.files)
        absent = [s for s in range(CHURN_SLOTS) if s not in self.files]
        roll = self.rng.random()
        if len(present) < CHURN_MIN or (len(present) < CHURN_MAX and roll < 0.25):
            slot = self.rng.choice(absent)
            self.write(slot, self.random_spec(slot), now)
            return "add"
        if roll < 0.5:
            self.remove(self.rng.choice(present), now)
            return "remove"
        slot = self.rng.choice(present)
        if self.rng.random() < 0.05:
            self.write_bad(slot)
            return "bad"
        self.write(slot, self.random_spec(slot), now)
        return "modify"


async def http_exchange(host, port, request, body=b"", local=None, timeout=15.0):
    """Sends one request on a new connection (Connection: close) and reads the whole answer: (status, head, body)."""
    async def run():
        reader, writer = await asyncio.open_connection(host, port, local_addr=(local, 0) if local else None)
        try:
            writer.write(request + body)
            await writer.drain()
            data = await reader.read(-1)
        finally:
            writer.close()
        head, _, rest = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 "):
            raise ConnectionError("no HTTP answer (%d bytes)" % len(data))
        return int(head[9:12]), head.decode("latin-1"), rest
    return await asyncio.wait_for(run(), timeout)


def request_head(method, path, host="soak", extra=(), length=None, close=True):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host, "User-Agent: soak"]
    if length is not None:
        lines.append("Content-Length: %d" % length)
    lines.extend(extra)
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Driver:
    def __init__(self, args):
        self.args = args
        self.host, port = args.proxy.rsplit(":", 1)
        self.port = int(port)
        self.rng = random.Random(args.seed)
        self.stats = Stats(args.errors)
        self.churn = Churn(args.routes, args.backends.split(","), self.rng)
        for slot in range(CHURN_SLOTS):  # what init-routes wrote, in force from the start
            path = self.churn.path(slot)
            if os.path.exists(path):
                with open(path) as f:
                    self.churn.routes[slot] = ChurnedRoute(json.load(f)["spec"], 0.0, 0)
                self.churn.files.add(slot)
        self.stopping = asyncio.Event()

    async def every(self, seconds, action):
        while not self.stopping.is_set():
            try:
                await action()
            except Exception as e:  # a driver bug must show, not end the run
                self.stats.count("driver", "error", repr(e))
            try:
                await asyncio.wait_for(self.stopping.wait(), seconds)
            except asyncio.TimeoutError:
                pass

    async def workers(self, n, action, pause):
        await asyncio.gather(*(self.every(pause, action) for _ in range(n)))

    # --- route churn and the probes that check it

    async def churn_once(self):
        self.stats.count("churn-" + self.churn.step(time.monotonic()), "ok")

    async def probe_loop(self):
        limit = asyncio.Semaphore(50)
        tasks = set()
        while not self.stopping.is_set():
            await limit.acquire()
            task = asyncio.ensure_future(self.probe())
            tasks.add(task)
            task.add_done_callback(lambda t: (tasks.discard(t), limit.release()))
            try:
                await asyncio.wait_for(self.stopping.wait(), 1.0 / self.args.probe_rate)
            except asyncio.TimeoutError:
                pass
        for t in tasks:
            t.cancel()

    async def probe(self):
        r = self.rng
        slot = r.randrange(CHURN_SLOTS)
        source = "127.%d.%d.%d" % (r.randrange(256), r.randrange(256), r.randrange(1, 255))
        before = self.churn.routes[slot]
        config = before.config
        burst = config is not None and "rateLimit" in config and r.random() < 0.5
        method, size = ("POST", r.choice([100, 2048, 100000])) if r.random() < 0.3 else ("GET", None)
        path = "/c/%02d/probe" % slot
        statuses, bodies = [], []
        started = time.monotonic()
        try:
            for _ in range((config["rateLimit"]["burst"] + 2) if burst else 1):
                status, head, body = await http_exchange(
                    self.host, self.port, request_head(method, path, length=size),
                    b"p" * size if size else b"", local=source)
                statuses.append(status)
                bodies.append(body)
        except Exception as e:
            self.stats.count("probe", "error", "%s %s from %s: %r" % (method, path, source, e))
            return
        after = self.churn.routes[slot]
        settled = after.version == before.version and started - before.since > SETTLE
        problem = self.judge(config, settled, source, size, statuses, bodies, slot, time.monotonic() - started)
        if problem:
            self.stats.count("probe", "error", "%s %s (%s) from %s: %s; route %s" % (
                method, path, "settled" if settled else "changing", source, problem, json.dumps(config)))
        else:
            self.stats.count("probe", "refused" if any(s != 200 for s in statuses) else "ok")

    @staticmethod
    def judge(config, settled, source, size, statuses, bodies, slot, took):
        """What is wrong with the answers (made one after another within took seconds), or None."""
        if not settled:  # either the old route or the new one may have answered
            wrong = [s for s in statuses if s not in (200, 403, 404, 413, 429)]
            return "statuses %s" % statuses if wrong else None
        if config is None:
            return None if set(statuses) == {404} else "statuses %s, expected 404 (no route)" % statuses
        rule = config["rules"][0]
        rate_limited = "rateLimit" in config
        ranges = rule.get("allowedSourceRanges")
        if ranges and not any(ipaddress.ip_address(source) in ipaddress.ip_network(n) for n in ranges):
            allowed = {403, 429} if rate_limited else {403}
        elif size is not None and "maxRequestBodySize" in rule and size > BODY_LIMITS[rule["maxRequestBodySize"]]:
            allowed = {413, 429} if rate_limited else {413}
        else:
            allowed = {200, 429} if rate_limited else {200}
        if not set(statuses) <= allowed:
            return "statuses %s, expected %s" % (statuses, sorted(allowed))
        if rate_limited and 200 in allowed:
            limit = config["rateLimit"]
            most = limit["burst"] + limit["requestsPerSecond"] * took + 1  # the bucket refills as they go
            if statuses.count(200) > most:
                return "statuses %s in %.3f s: more than the burst (%d) and the rate admit" % (
                    statuses, took, limit["burst"])
        expected_path = "/renamed/probe" if "rewrite" in rule else "/c/%02d/probe" % slot
        for status, body in zip(statuses, bodies):
            if status == 200 and expected_path.encode() not in body:
                return "the backend saw %r, expected %s" % (body[:60], expected_path)
        return None

    # --- slow clients

    async def slow_client(self):
        variant = self.rng.choice(["head", "body", "head-too-slow", "body-too-slow", "reader"])
        kind = "slow-" + variant
        try:
            outcome = await asyncio.wait_for(getattr(self, "slow_" + variant.replace("-", "_"))(), 40)
        except Exception as e:
            self.stats.count(kind, "error", repr(e))
            return
        self.stats.count(kind, *outcome) if isinstance(outcome, tuple) else self.stats.count(kind, outcome)

    async def trickle(self, writer, data, gap):
        for i in range(len(data)):
            writer.write(data[i:i + 1])
            await writer.drain()
            await asyncio.sleep(gap)

    async def slow_head(self):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            await self.trickle(writer, request_head("GET", "/slow/head"), 0.02)  # ~3 s, within the 5 s allowed
            status, body = await read_answer(reader)
            return "ok" if status == 200 else ("error", "status %s: %r" % (status, body[:80]))
        finally:
            writer.close()

    async def slow_body(self):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            await self.trickle(writer, request_head("POST", "/slow/body", length=300), 0.01)
            await self.trickle(writer, b"b" * 300, 0.01)  # 100 B/s, done before the 5 s the minimum rate waits
            status, body = await read_answer(reader)
            return "ok" if status == 200 and b"received 300 bytes" in body else (
                "error", "status %s: %r" % (status, body[:80]))
        finally:
            writer.close()

    async def slow_head_too_slow(self):
        """A head at 10 B/s: cut off at --timeout-http-request (5 s); it would take 8 s."""
        return await self.too_slow(request_head("GET", "/slow/too-slow-head"), b"", 0.1, {408, None})

    async def slow_body_too_slow(self):
        """A body at 20 B/s, under --min-request-body-rate (240 B/s): 408 after 5 s."""
        return await self.too_slow(request_head("POST", "/slow/too-slow-body", length=10000), b"b" * 400, 0.05,
                                   {408})

    async def too_slow(self, head, body, gap, expected):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        started = time.monotonic()
        sender = asyncio.ensure_future(self.send_slowly(writer, head, body, gap))
        try:
            status, answer = await read_answer(reader)  # None: closed without an answer
        except ConnectionError:
            status, answer = None, b""
        finally:
            sender.cancel()
            writer.close()
        took = time.monotonic() - started
        if status in expected and took < 15:
            return "refused"
        return "error", "status %s after %.1f s: %r" % (status, took, answer[:80])

    async def send_slowly(self, writer, head, body, gap):
        try:
            if body:
                writer.write(head)
                await writer.drain()
                await self.trickle(writer, body, gap)
            else:
                await self.trickle(writer, head, gap)
        except (ConnectionError, OSError):
            pass  # the proxy closed: what the reader reports

    async def slow_reader(self):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (self.host, self.port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=16384)
        try:
            writer.write(request_head("GET", "/slow/big?bytes=2097152"))
            await writer.drain()
            total = 0
            while True:
                chunk = await reader.read(16384)
                if not chunk:
                    break
                total += len(chunk)
                await asyncio.sleep(0.05)  # about 320 KiB/s
            return "ok" if total > 2097152 else ("error", "read %d bytes of a 2 MiB body" % total)
        finally:
            writer.close()

    # --- uploads

    async def upload(self):
        variant = self.rng.choice(["complete", "abort-fin", "abort-rst", "abort-chunked", "too-large",
                                   "too-large-chunked"])
        kind = "upload-" + variant
        try:
            outcome = await asyncio.wait_for(getattr(self, "upload_" + variant.replace("-", "_"))(), 60)
        except Exception as e:
            self.stats.count(kind, "error", repr(e))
            return
        self.stats.count(kind, *outcome) if isinstance(outcome, tuple) else self.stats.count(kind, outcome)

    async def upload_complete(self):
        size = 1048576
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(request_head("POST", "/upload/complete", length=size))
            await send_bytes(writer, size)
            status, body = await read_answer(reader)
            return "ok" if status == 200 and b"received %d bytes" % size in body else (
                "error", "status %s: %r" % (status, body[:80]))
        finally:
            writer.close()

    async def aborted(self, chunked, reset):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        declared = 3 * 1048576
        sent = self.rng.randrange(65536, 2 * 1048576)
        if chunked:
            writer.write(request_head("POST", "/upload/aborted", extra=["Transfer-Encoding: chunked"]))
            for _ in range(sent // 65536):
                writer.write(b"10000\r\n" + b"u" * 65536 + b"\r\n")
                await writer.drain()
        else:
            writer.write(request_head("POST", "/upload/aborted", length=declared))
            await send_bytes(writer, sent)
        if reset:  # SO_LINGER 0: the close sends a RST
            writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        return "ok"

    async def upload_abort_fin(self):
        return await self.aborted(False, False)

    async def upload_abort_rst(self):
        return await self.aborted(False, True)

    async def upload_abort_chunked(self):
        return await self.aborted(True, self.rng.random() < 0.5)

    async def upload_too_large(self):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(request_head("POST", "/upload/too-large", length=UPLOAD_LIMIT + 2 * 1048576))
            await writer.drain()
            status, body = await read_answer(reader)
            return "refused" if status == 413 else ("error", "status %s: %r" % (status, body[:80]))
        finally:
            writer.close()

    async def upload_too_large_chunked(self):
        """Over the limit only as it streams: 413 partway, the upstream never sees the body end."""
        reader, writer = await asyncio.open_connection(self.host, self.port)

        async def send():
            try:
                writer.write(request_head("POST", "/upload/too-large-chunked", extra=["Transfer-Encoding: chunked"]))
                for _ in range((UPLOAD_LIMIT + 2 * 1048576) // 65536):
                    writer.write(b"10000\r\n" + b"u" * 65536 + b"\r\n")
                    await writer.drain()
                writer.write(b"0\r\n\r\n")
                await writer.drain()
            except (ConnectionError, OSError):
                pass
        sender = asyncio.ensure_future(send())
        try:
            status, body = await read_answer(reader)
        finally:
            sender.cancel()
            writer.close()
        return "refused" if status == 413 else ("error", "status %s: %r" % (status, body[:80]))

    # --- WebSockets

    async def ws_session(self):
        try:
            outcome = await asyncio.wait_for(self.ws_exchange(self.rng.randrange(3, 8), 0), 30)
        except Exception as e:
            self.stats.count("ws-short", "error", repr(e))
            return
        self.stats.count("ws-short", *outcome) if isinstance(outcome, tuple) else self.stats.count("ws-short", outcome)

    async def ws_idle(self):
        idle = self.rng.uniform(10, self.args.ws_idle_max)
        try:
            outcome = await asyncio.wait_for(self.ws_exchange(1, idle), idle + 30)
        except Exception as e:
            self.stats.count("ws-idle", "error", repr(e))
            return
        self.stats.count("ws-idle", *outcome) if isinstance(outcome, tuple) else self.stats.count("ws-idle", outcome)

    async def ws_exchange(self, messages, idle):
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            key = base64.b64encode(os.urandom(16)).decode()
            writer.write(request_head("GET", "/ws/echo", close=False, extra=[
                "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + key,
                "Sec-WebSocket-Version: 13"]))
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 101"):
                return "error", "upgrade answered %r" % head[:60]
            if idle:
                await asyncio.sleep(idle)
            for _ in range(messages):
                payload = os.urandom(self.rng.choice([5, 120, 1000, 70000]))
                writer.write(ws_frame(0x2, payload))
                await writer.drain()
                opcode, echoed = await ws_read(reader)
                if opcode != 0x2 or echoed != payload:
                    return "error", "echo of %d bytes came back as opcode %d, %d bytes" % (
                        len(payload), opcode, len(echoed))
            if idle and self.rng.random() < 0.5:
                writer.transport.abort()  # dropped without a close frame
                return "ok"
            writer.write(ws_frame(0x8, struct.pack("!H", 1000)))
            await writer.drain()
            opcode, _ = await ws_read(reader)
            if opcode != 0x8:
                return "error", "close answered with opcode %d" % opcode
            return "ok"
        finally:
            writer.close()

    # --- the whole run

    async def write_stats(self):
        self.stats.write(self.args.stats)

    async def run(self):
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        if self.args.duration:
            loop.call_later(self.args.duration, self.stopping.set)
        a = self.args
        jobs = [self.every(1.0, self.write_stats), self.every(a.churn_every, self.churn_once), self.probe_loop(),
                self.workers(a.slow, self.slow_client, 0.2), self.workers(a.uploads, self.upload, 0.3),
                self.workers(a.ws, self.ws_session, 0.3), self.workers(a.ws_idle, self.ws_idle, 0.1)]
        runs = [asyncio.ensure_future(j) for j in jobs]
        await self.stopping.wait()
        await asyncio.sleep(0.2)
        for r in runs:
            r.cancel()
        self.stats.write(self.args.stats)


async def read_answer(reader):
    """The status and body of one answer read to the connection's end (requests say Connection: close); status None
    when the connection ended without an answer."""
    data = await reader.read(-1)
    if not data.startswith(b"HTTP/1.1 "):
        return None, data
    return int(data[9:12]), data.partition(b"\r\n\r\n")[2]


async def send_bytes(writer, n):
    block = b"u" * 65536
    while n > 0:
        writer.write(block[:min(n, len(block))])
        n -= len(block)
        await writer.drain()


def mask_bytes(payload, mask):
    n = len(payload)
    if not n:
        return payload
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def ws_frame(opcode, payload):
    """A masked client frame, FIN set."""
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    return head + mask + mask_bytes(payload, mask)


async def ws_read(reader):
    b = await reader.readexactly(2)
    opcode, n = b[0] & 0x0F, b[1] & 0x7F
    if n == 126:
        n = int.from_bytes(await reader.readexactly(2), "big")
    elif n == 127:
        n = int.from_bytes(await reader.readexactly(8), "big")
    return opcode, await reader.readexactly(n)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["init-routes", "run"])
    parser.add_argument("routes", help="the route directory the replica reads")
    parser.add_argument("backends", help="backend addresses, comma-separated")
    parser.add_argument("--proxy", default="127.0.0.1:19610")
    parser.add_argument("--stats", default="stats.json")
    parser.add_argument("--errors", default="errors.log")
    parser.add_argument("--duration", type=float, default=0, help="seconds (0: until SIGTERM)")
    parser.add_argument("--churn-every", type=float, default=3.0)
    parser.add_argument("--probe-rate", type=float, default=20.0)
    parser.add_argument("--slow", type=int, default=4)
    parser.add_argument("--uploads", type=int, default=2)
    parser.add_argument("--ws", type=int, default=2)
    parser.add_argument("--ws-idle", type=int, default=20)
    parser.add_argument("--ws-idle-max", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    backends = args.backends.split(",")
    if args.command == "init-routes":
        os.makedirs(args.routes, exist_ok=True)
        for name, spec in STABLE_ROUTES.items():
            write_atomically(os.path.join(args.routes, name + ".yaml"), route_document(name, spec, backends))
        Churn(args.routes, backends, random.Random(args.seed)).initial()
        return
    asyncio.run(Driver(args).run())


if __name__ == "__main__":
    sys.exit(main())
