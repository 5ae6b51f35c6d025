#!/usr/bin/env python3
"""The soak benchmark's backend (bench/soak.sh): an HTTP/1.1 server on one loopback port, standard library only.

  GET  any path          200, a short text body naming the path (keep-alive unless the client says close)
  GET  .../big?bytes=N   200 with N bytes (default 1 MiB): for clients that read slowly
  POST, PUT any path     the whole body read (Content-Length or chunked) and thrown away, 200 "POST PATH received N
                         bytes"
  Upgrade: websocket     101, then every text or binary message echoed, pings answered, a close answered and the
                         connection closed

usage: backend.py PORT
"""
import asyncio
import base64
import hashlib
import signal
import sys
from urllib.parse import parse_qs, urlsplit

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC11B65"
MAX_HEAD = 64 * 1024


class Connection(asyncio.Protocol):
    """One client connection: requests one after another, or WebSocket frames once upgraded."""

    def __init__(self):
        self.transport = None
        self.buffer = bytearray()
        self.state = "head"  # head, body, chunk-size, chunk-data, chunk-trailer, websocket
        self.remaining = 0  # body bytes still due (body, chunk-data)
        self.received = 0
        self.close_after = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        try:
            while self.step():
                pass
        except ValueError as e:
            self.answer(400, "bad request: %s\n" % e, close=True)

    def step(self):
        """Consumes what it can of the buffer; True when it may be called again."""
        if self.transport.is_closing():
            return False
        if self.state == "head":
            return self.read_head()
        if self.state == "body":
            return self.read_body()
        if self.state.startswith("chunk"):
            return self.read_chunked()
        if self.state == "websocket":
            return self.read_frame()
        return False

    def read_head(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD:
                raise ValueError("head too long")
            return False
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[:end + 4]
        parts = lines[0].split(" ")
        if len(parts) != 3:
            raise ValueError("request line %r" % lines[0])
        self.method, self.target = parts[0], parts[1]
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise ValueError("header line %r" % line)
            headers[name.strip().lower()] = value.strip()
        self.headers = headers
        self.close_after = headers.get("connection", "").lower() == "close" or parts[2] == "HTTP/1.0"
        self.received = 0
        if headers.get("upgrade", "").lower() == "websocket":
            return self.upgrade()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self.state = "chunk-size"
        else:
            self.remaining = int(headers.get("content-length", "0"))
            self.state = "body"
        return True

    def read_body(self):
        take = min(self.remaining, len(self.buffer))
        del self.buffer[:take]
        self.remaining -= take
        self.received += take
        if self.remaining > 0:
            return False
        self.respond()
        return True

    def read_chunked(self):
        if self.state == "chunk-size":
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return False
            size = int(bytes(self.buffer[:end]).split(b";")[0], 16)
            del self.buffer[:end + 2]
            self.remaining = size
            self.state = "chunk-data" if size else "chunk-trailer"
            return True
        if self.state == "chunk-data":
            take = min(self.remaining, len(self.buffer))
            del self.buffer[:take]
            self.remaining -= take
            self.received += take
            if self.remaining > 0:
                return False
            self.state = "chunk-crlf"
            return True
        if self.state == "chunk-crlf":
            if len(self.buffer) < 2:
                return False
            del self.buffer[:2]
            self.state = "chunk-size"
            return True
        # chunk-trailer: trailer lines up to an empty one
        end = self.buffer.find(b"\r\n")
        if end < 0:
            return False
        del self.buffer[:end + 2]
        if end == 0:
            self.respond()
        return True

    def respond(self):
        self.state = "head"
        if self.method in ("POST", "PUT"):
            self.answer(200, "%s %s received %d bytes\n" % (self.method, self.target, self.received),
                        close=self.close_after)
            return
        url = urlsplit(self.target)
        if url.path.endswith("/big"):
            size = int(parse_qs(url.query).get("bytes", ["1048576"])[0])
            head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n%s\r\n" % (
                size, "Connection: close\r\n" if self.close_after else "")
            self.transport.write(head.encode("latin-1"))
            block = b"x" * 65536
            while size > 0:
                self.transport.write(block[:min(size, len(block))])
                size -= len(block)
            if self.close_after:
                self.transport.close()
            return
        self.answer(200, "%s %s\n" % (self.method, self.target), close=self.close_after)

    def answer(self, status, body, close=False):
        data = body.encode("utf-8")
        head = "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n" % (
            status, "OK" if status == 200 else "Error", len(data), "Connection: close\r\n" if close else "")
        self.transport.write(head.encode("latin-1") + data)
        if close:
            self.state = "closed"
            self.transport.close()

    def upgrade(self):
        key = self.headers.get("sec-websocket-key", "").encode("latin-1")
        accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode("ascii")
        self.transport.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: %s\r\n\r\n" % accept).encode("latin-1"))
        self.state = "websocket"
        return True

    def read_frame(self):
        b = self.buffer
        if len(b) < 2:
            return False
        opcode, masked, length = b[0] & 0x0F, b[1] & 0x80, b[1] & 0x7F
        pos = 2
        if length == 126:
            if len(b) < 4:
                return False
            length, pos = int.from_bytes(b[2:4], "big"), 4
        elif length == 127:
            if len(b) < 10:
                return False
            length, pos = int.from_bytes(b[2:10], "big"), 10
        mask = b""
        if masked:
            if len(b) < pos + 4:
                return False
            mask, pos = bytes(b[pos:pos + 4]), pos + 4
        if len(b) < pos + length:
            return False
        payload = bytes(b[pos:pos + length])
        del b[:pos + length]
        if mask:
            payload = unmask(payload, mask)
        if opcode in (0x0, 0x1, 0x2):
            self.transport.write(frame(opcode if opcode else 0x1, payload))
        elif opcode == 0x9:
            self.transport.write(frame(0xA, payload))
        elif opcode == 0x8:
            self.transport.write(frame(0x8, payload[:2]))
            self.transport.close()
            return False
        return True


def unmask(payload, mask):
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def frame(opcode, payload):
    """An unmasked server frame, FIN set."""
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return head + payload


async def main(port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Connection, "127.0.0.1", port, backlog=1024, reuse_address=True)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    async with server:
        await stop


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1])))
