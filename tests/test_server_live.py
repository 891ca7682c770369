"""The service on a real loopback socket: /run answers each line as it arrives, a malformed
line in a streamed batch costs only its own answer, and a client that disconnects midway
ends its batch without costing the service anything else. The explanation pages with a case
too big for a URL: posted, explained, its ways on posted too; past the body limit, a 413."""

from __future__ import annotations

import html
import html.parser
import json
import re
import socket
import time
from urllib.parse import urlencode

import pytest

pytest.importorskip("uvicorn", reason="the service needs the 'serve' extra")

from serving import big_ccdi_case, live_server  # noqa: E402

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


# ------------------------------------------------------------- the pages with a big case
#: A case bigger than a URL can carry (h11, under uvicorn, refuses a request head past
#: 16 KiB), small beside the body limit of the pages' service below.
PAGES_MAX_BODY = 200_000


@pytest.fixture(scope="module")
def pages():
    # The what-if of the big case searches for seconds of CPU: room on a loaded machine.
    app = create_app(Settings(timeout=600.0, max_body=PAGES_MAX_BODY), load_library())
    with live_server(app) as url:
        yield url


class _Form(html.parser.HTMLParser):
    """What a browser submits of a page's forms: each named input's value and each select's
    chosen option, by the form's ``id`` (or its ``class``)."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, list] = {}
        self.current: list | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.current = self.forms.setdefault(a.get("id") or a.get("class") or "", [])
            self.current.append((a.get("method"), a.get("action"), []))
        elif self.current is None:
            return
        elif tag == "input" and a.get("name"):
            self.current[-1][2].append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select = a.get("name")
        elif tag == "option" and self.select and "selected" in a:
            self.current[-1][2].append((self.select, a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def _forms(page: str) -> dict[str, list]:
    parser = _Form()
    parser.feed(page)
    return parser.forms


def _post(client, action: str, fields: list) -> str:
    """``fields`` posted as a browser posts a form (repeated names kept, in order)."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = client.post(action, content=urlencode(fields), headers=form)
    assert r.status_code == 200, r.text[:2000]
    return r.text


def _headline(page: str) -> str:
    return html.unescape(re.search(r'<h1 class="headline"[^>]*>(.*?)</h1>', page).group(1))


def test_a_case_too_big_for_a_url_is_posted_and_explained(pages):
    """The case form posts: a ccdi case of 40 described acts (38 KB of fields, past the
    16 KiB of a request's head that h11 holds while it waits for the rest) is explained, and
    each way on from its result posts it too."""
    import httpx

    case = json.dumps(big_ccdi_case(40), ensure_ascii=False).encode("utf-8")
    with httpx.Client(base_url=pages, timeout=600) as client:
        loaded = client.post("/book/ccdi/load", files={"case": ("big.json", case)})
        assert loaded.status_code == 200  # the form at once: no redirect to a URL too long
        [(method, action, fields)] = _forms(loaded.text)["case-form"]
        assert (method, action) == ("post", "/book/ccdi/result?lang=en")
        assert len(urlencode(fields)) > 16 * 1024
        page = _post(client, action, fields)
        assert _headline(page) == (
            "range of Party sanctions: removal from Party posts – expulsion from the Party"
        )
        # Its ways on are buttons posting the case, each working: the language, the form,
        # the what-if.
        found = _forms(page)
        [(_, to, switch)] = found["go lang"]
        assert _headline(_post(client, to, switch)) == "党纪处分幅度：撤销党内职务至开除党籍"
        edit, save = found["go"]  # the form again, and the case saved as a file
        assert edit[1] == "/book/ccdi?lang=en"
        assert 'value="K39 收受医疗器械供应商回扣（第39笔）"' in _post(client, edit[1], edit[2])
        assert save[1] == "/book/ccdi/case.json?lang=en"
        assert json.loads(_post(client, save[1], save[2]))["facts"] == json.loads(case)
        [(_, to, ask)] = found["go ask"]
        changes = _post(client, to, ask)
        assert '<a href="/book/ccdi/result?' not in changes  # no links, buttons
        buttons = _forms(changes)["go whatif"]
        assert buttons
        _, to, changed = buttons[0]
        assert to == "/book/ccdi/result?lang=en"
        assert [x for x in changed if x not in ask]  # the case with its change
        # The change reaches the level the page names only as its nearest miss.
        after = _post(client, to, changed)
        assert after.count("especially huge amount") > page.count("especially huge amount")


def test_a_posted_case_past_the_body_limit_is_refused_with_413(pages):
    import httpx

    fields = [("lang", "en"), ("f.decided_on", "2024-09-02"), ("extra", "x" * PAGES_MAX_BODY)]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = httpx.post(f"{pages}/book/ccdi/result", content=urlencode(fields), headers=form, timeout=60)
    assert r.status_code == 413
    assert r.json()["error"]["kind"] == "too_large"
    assert f"limit of {PAGES_MAX_BODY:,} bytes" in r.json()["error"]["message"]


def test_a_small_posted_case_keeps_its_links(pages):
    """Links can be shared and bookmarked: a case whose link stays within LINK_MAX gets
    links (its language, its form, its what-ifs), each a GET that works."""
    import httpx

    from ruleengine.server.pages import LINK_MAX

    fields = [
        ("lang", "en"),
        ("as_of", "2018-05-20"),
        ("f.other_personal_items", "26000"),
        ("f.obtained_in_duty", "true"),
        ("f.illegal_gain", "9000"),
    ]
    with httpx.Client(base_url=pages, timeout=600) as client:
        page = _post(client, "/book/pi2017/result", fields)
        switch = html.unescape(re.search(r'<a href="([^"]*)" class="lang"', page).group(1))
        assert _headline(client.get(switch).text) == "情节：情节特别严重"
        assert re.search(r'<a href="/book/pi2017\?[^"]*" id="edit">', page)
        [(_, to, ask)] = _forms(page)["go ask"]  # the what-if posts: it costs a search
        changes = _post(client, to, ask)
        links = [
            html.unescape(x) for x in re.findall(r'<a href="([^"]*)" class="whatif">', changes)
        ]
        assert links and all(len(x) <= LINK_MAX for x in links)
        assert "go whatif" not in _forms(changes)
        again = [x for x in links if "other_personal_items=24999" in x]
        assert _headline(client.get(again[0]).text).endswith(": serious circumstances")
