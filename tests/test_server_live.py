"""The service on a real loopback socket: /run answers each line as it arrives, a malformed
line in a streamed batch costs only its own answer, and a client that disconnects midway
ends its batch without costing the service anything else."""

from __future__ import annotations

import json
import socket
import time

import pytest

pytest.importorskip("uvicorn", reason="the service needs the 'serve' extra")

from serving import live_server  # noqa: E402

from ruleengine.server import Settings, create_app  # noqa: E402
from ruleengine.server import service as service_module  # noqa: E402
from ruleengine.server.library import load_library  # noqa: E402


@pytest.fixture(scope="module")
def served():
    app = create_app(Settings(), load_library())
    with live_server(app) as url:
        yield url


@pytest.fixture
def decided(monkeypatch) -> list[int]:
    """The line numbers the service decided, in order."""
    seen: list[int] = []
    real = service_module.run_line

    def counting(context, number, text, problem):
        seen.append(number)
        return real(context, number, text, problem)

    monkeypatch.setattr(service_module, "run_line", counting)
    return seen


def _open_run(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.sendall(
        b"POST /rulebooks/pi2017/run HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    return sock


def _chunk(sock: socket.socket, data: bytes) -> None:
    sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")


class _Reader:
    """Reads a chunked HTTP response line by line, as the client would."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buffer = sock, b""

    def line(self) -> bytes:
        while b"\n" not in self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(self.buffer)
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def answer(self) -> dict:
        """The next JSON line of the body (chunk sizes and headers skipped)."""
        while True:
            line = self.line().strip()
            if line.startswith(b"{"):
                return json.loads(line)


def test_each_line_is_answered_before_the_next_is_sent(served, decided):
    sock = _open_run(served)
    reader = _Reader(sock)
    try:
        _chunk(sock, b'{"illegal_gain": 6000}\n')
        assert reader.answer()["rows"][0]["level"] == "serious"
        _chunk(sock, b'{"illegal_gain": oops}\n')  # malformed, midway
        bad = reader.answer()
        assert bad["line"] == 2 and bad["error"]["exit_code"] == 4
        assert "not valid JSON" in bad["error"]["message"]
        _chunk(sock, b'{"illegal_gain": 60000}\n')
        assert reader.answer()["rows"][0]["level"] == "especially_serious"
        _chunk(sock, b"")  # the end of the body
        assert reader.line().strip() in (b"0", b"")
    finally:
        sock.close()
    assert decided == [1, 2, 3]


def test_a_client_that_disconnects_midway_costs_nothing_else(served, decided, monkeypatch):
    """Each case of the batch takes at least 5 ms here, so its 2,000 would take 10 s or more:
    the bound below leaves the service 5 s to see the disconnect, which it sees at once (no
    margin smaller than that: under pytest -n 2 on a loaded machine a tighter bound, and a
    wait of 0.2 s for the deciding to settle, failed now and then)."""
    import httpx

    real = service_module.run_line

    def paced(context, number, text, problem):
        if text == "{}":  # the abandoned batch's cases, not the next batch's
            time.sleep(0.005)
        return real(context, number, text, problem)

    monkeypatch.setattr(service_module, "run_line", paced)
    sock = _open_run(served)
    reader = _Reader(sock)
    _chunk(sock, b"{}\n" * 2000)  # cases for 10 s or more; the body never ends
    assert "rows" in reader.answer()
    sock.close()  # midway
    settled = 0
    for _ in range(3000):  # until nothing more is decided for 1 s (at most a minute)
        before = len(decided)
        time.sleep(0.02)
        settled = settled + 1 if len(decided) == before else 0
        if settled == 50:
            break
    assert 1 <= len(decided) < 1000, len(decided)  # it stopped, not after 2,000
    after = b'{"illegal_gain": 7}\n{"illegal_gain": 8}\n'
    r = httpx.post(f"{served}/rulebooks/pi2017/run", content=after, timeout=60)
    assert [json.loads(x)["line"] for x in r.text.splitlines()] == [1, 2]
    assert httpx.get(f"{served}/rulebooks").status_code == 200
