"""The HTTP service's JSON routes (docs/server.md), through FastAPI's TestClient: each route,
the command line's field paths and exit codes in its errors, and hostile requests."""

from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the service needs the 'serve' extra")
with warnings.catch_warnings():  # Starlette's note that it prefers httpx2 to httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from ruleengine.cli import app as cli_app  # noqa: E402
from ruleengine.server import Settings, create_app  # noqa: E402
from ruleengine.server.library import load_library  # noqa: E402

EXAMPLES = Path(__file__).parent.parent / "examples"
FORM_TYPE = "application/x-www-form-urlencoded"
COURIER = EXAMPLES / "pi2017" / "courier_sells_waybills.json"
KICKBACKS = EXAMPLES / "ccdi" / "kickbacks.json"


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def client(library):
    # The service's 30 s limit a request is a deployment setting, tested on its own below
    # (``timeout=0.05``); on a machine loaded by other work a what-if search could pass it.
    return TestClient(create_app(Settings(timeout=600.0), library))


def make(library, **settings) -> TestClient:
    return TestClient(create_app(Settings(**settings), library))


def cli(*args: str):
    return CliRunner().invoke(cli_app, list(args))


def test_rulebooks_are_listed_with_their_rules_and_facts_schema(client, library):
    from ruleengine.schema import facts_schema

    names = [b["name"] for b in client.get("/rulebooks").json()]
    assert names == ["ccdi", "pi2017"]
    book = client.get("/rulebooks/pi2017").json()
    assert book["facts_schema"] == facts_schema(library.books["pi2017"].book.rulebook)
    cited = {r["name"]: r["citation"] for r in book["rules"]}
    assert cited["cl253_1_1_serious"] == "Criminal Law Art. 253-1(1)"
    zh = client.get("/rulebooks/pi2017?lang=zh").json()
    assert zh["rules"][0]["citation"] != book["rules"][0]["citation"]


def test_a_rulebooks_title_is_in_the_language_asked(client):
    import re

    for path in ("/rulebooks", "/rulebooks/pi2017"):
        zh, en = client.get(f"{path}?lang=zh").json(), client.get(path).json()
        zh, en = (x[-1] if isinstance(x, list) else x for x in (zh, en))
        assert zh["name"] == en["name"] == "pi2017"
        assert zh["title"].startswith("最高人民法院") and not re.search("[A-Za-z]{2}", zh["title"])
        assert en["title"].startswith("Interpretation") and not re.search("[一-鿿]", en["title"])


def test_an_unknown_rulebook_is_404_with_the_command_lines_message(client):
    r = client.post("/rulebooks/pi217/eval", content="{}")
    assert r.status_code == 404
    assert r.json()["error"] == {
        "kind": "unknown_rulebook",
        "exit_code": 3,
        "message": "no rulebook named 'pi217'; did you mean 'pi2017'?",
    }


def test_eval_answers_what_the_command_line_prints(client):
    r = client.post("/rulebooks/pi2017/eval", content=COURIER.read_bytes())
    assert r.status_code == 200
    printed = cli("eval", "-r", "pi2017", str(COURIER), "--format", "json")
    assert r.json() == json.loads(printed.stdout)
    assert r.json()["outcome"]["level"] == "especially_serious"


def test_eval_of_a_record_with_several_officials_gives_one_result_each(client):
    case = {"officials": [{"decided_on": "2024-09-02"}, {"decided_on": "2024-09-02"}]}
    r = client.post("/rulebooks/ccdi/eval", json=case)
    assert r.status_code == 200
    assert [p["person"] for p in r.json()] == ["officials[0]", "officials[1]"]


def test_as_of_in_the_query_wins_over_the_case_file(client):
    r = client.post("/rulebooks/pi2017/eval?as_of=2019-01-01", content=COURIER.read_bytes())
    assert r.json()["as_of"] == "2019-01-01"
    r = client.post("/rulebooks/pi2017/eval?as_of=yesterday", content=COURIER.read_bytes())
    assert r.status_code == 400
    assert r.json()["error"]["exit_code"] == 2
    assert "'yesterday' is not a date" in r.json()["error"]["message"]


def test_explain_by_the_accept_header(client):
    body = COURIER.read_bytes()
    as_json = client.post("/rulebooks/pi2017/explain", content=body)
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.json()["format"] == "ruleengine-trace"
    assert "what_would_change" not in as_json.json() or not as_json.json()["what_would_change"]
    md = client.post("/rulebooks/pi2017/explain", content=body, headers={"Accept": "text/markdown"})
    assert md.headers["content-type"].startswith("text/markdown")
    printed = cli("explain", "-r", "pi2017", str(COURIER), "--format", "markdown")
    assert md.text == printed.stdout
    html = client.post("/rulebooks/pi2017/explain", content=body, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "Criminal Law Art. 253-1(1)" in html.text
    assert "<script" not in html.text


def test_explain_with_whatif_carries_the_changes(client):
    r = client.post("/rulebooks/pi2017/explain?whatif=true", content=COURIER.read_bytes())
    changes = r.json()["what_would_change"]["changes"]
    assert {"fact": "other_personal_items", "in_the_case": 26000, "changed_to": 24999} in [
        f for c in changes for f in c["facts"]
    ]


def test_whatif_along_one_fact_and_without_one(client):
    body = COURIER.read_bytes()
    r = client.post("/rulebooks/pi2017/whatif?vary=other_personal_items", content=body)
    assert r.status_code == 200
    printed = cli(
        "whatif", "-r", "pi2017", str(COURIER), "--vary", "other_personal_items", "-f", "json"
    )
    assert r.json() == json.loads(printed.stdout)
    assert 25000 in [b["at"] for b in r.json()["breakpoints"]]
    r = client.post("/rulebooks/pi2017/whatif", content=body)
    assert r.json()["changes"]
    r = client.post("/rulebooks/pi2017/whatif?vary=no_such_fact", content=body)
    assert r.status_code == 400
    assert r.json()["error"]["exit_code"] == 2


def test_bad_facts_get_the_command_lines_field_paths_and_code(client, tmp_path):
    case = {"facts": {"illegal_gain": "abc", "other_personal_items": -1, "obtaind": True}}
    r = client.post("/rulebooks/pi2017/eval", json=case)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["exit_code"] == 4 and error["kind"] == "invalid_facts"
    fields = [p["field"] for p in error["problems"]]
    assert fields == ["obtaind", "other_personal_items", "illegal_gain"]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    printed = cli("eval", "-r", "pi2017", str(path))
    assert printed.exit_code == 4
    assert error["message"].split("\n")[1:] == printed.stderr.strip().split("\n")[1:]


def test_bad_facts_in_chinese_with_lang_zh_beside_the_english(client, tmp_path):
    """?lang=zh (as the pages' language is asked): the message in Chinese beside the
    English, as `eval --lang zh` says it, and each problem's (FactProblem.to_json("zh"))."""
    case = {"facts": {"illegal_gain": "abc", "other_personal_items": -1, "obtaind": True}}
    english = client.post("/rulebooks/pi2017/eval", json=case).json()["error"]
    assert "zh" not in english and all("zh" not in p for p in english["problems"])
    r = client.post("/rulebooks/pi2017/eval?lang=zh", json=case)
    assert r.status_code == 422
    error = r.json()["error"]
    assert {k: v for k, v in error.items() if k != "zh"} == {
        **english,
        "problems": [
            {**p, "zh": error["problems"][i]["zh"]} for i, p in enumerate(english["problems"])
        ],
    }
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    printed = cli("eval", "-r", "pi2017", str(path), "--lang", "zh")
    assert error["zh"]["message"].split("\n")[1:] == printed.stderr.strip().split("\n")[1:]
    assert error["problems"][0]["zh"]["message"] == "未知字段"
    r = client.post(
        "/rulebooks/pi2017/whatif?vary=acts&lang=zh", json=case["facts"] | {"obtaind": None}
    )
    assert r.status_code == 400
    assert r.json()["error"]["zh"]["message"].startswith("'acts'")
    r = client.post("/rulebooks/pi2017/explain?lang=zh", content=b"{")
    assert r.json()["error"]["zh"]["message"].startswith("<request>:1:1：不是有效的 JSON：")


def test_a_field_path_inside_a_list(client):
    facts = json.loads(KICKBACKS.read_text())
    facts["acts"][1]["amount"] = "a lot"
    r = client.post("/rulebooks/ccdi/eval", json=facts)
    assert r.status_code == 422
    assert [p["field"] for p in r.json()["error"]["problems"]] == ["acts[1].amount"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"", 400, "no case given"),
        (b"   ", 400, "no case given"),
        (b"{", 422, "not valid JSON"),
        (b"[1, 2]", 422, ""),
        (b"42", 422, ""),
        (b'"text"', 422, ""),
        (b"\xff\xfe{}", 422, "not UTF-8"),
        (b'{"a": 1, "a": 2}', 422, "twice"),
        (b'{"illegal_gain": NaN}', 422, ""),
        (b"[" * 100_000 + b"]" * 100_000, 422, "nested too deeply"),
        (b'{"illegal_gain": ' + b"9" * 5000 + b"}", 422, ""),
    ],
)
def test_hostile_bodies_get_a_4xx_json_error(client, body, status, says):
    r = client.post("/rulebooks/pi2017/eval", content=body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["exit_code"] in (2, 4)
    assert says in error["message"]


def test_a_body_over_the_limit_is_refused_413_by_its_length_and_as_it_arrives(library):
    small = make(library, max_body=1000)
    r = small.post("/rulebooks/pi2017/eval", content=b" " * 1001 + b"{}")
    assert r.status_code == 413
    assert r.json()["error"]["kind"] == "too_large"

    def chunked():  # no Content-Length: counted as it arrives
        for _ in range(50):
            yield b" " * 100

    r = small.post("/rulebooks/pi2017/eval", content=chunked())
    assert r.status_code == 413
    r = small.post("/rulebooks/pi2017/eval", content=b"{}", headers={"content-length": "x"})
    assert r.status_code in (400, 413)


def test_a_request_past_the_time_limit_is_answered_504(library, monkeypatch):
    from ruleengine.server import service

    def slow(*args, **kw):
        time.sleep(1.0)

    monkeypatch.setattr(service, "evaluate", slow)
    r = make(library, timeout=0.05).post("/rulebooks/pi2017/eval", content=b"{}")
    assert r.status_code == 504
    assert r.json()["error"]["kind"] == "timeout"


def test_a_request_past_its_time_stops_its_search_and_frees_the_thread(library, monkeypatch):
    """A fifth QA round: four slow what-if requests kept their threads computing for minutes
    after their 504, and every later request, a trivial one too, was answered "took longer".
    Now the thread is told to stop; the analyses end before their next decision."""
    from ruleengine.server import service
    from ruleengine.stopping import check

    real, calls = service.evaluate, []

    def searching(*args, **kw):  # a what-if search: decision after decision
        calls.append(1)
        if len(calls) > 1:
            return real(*args, **kw)
        for _ in range(3000):  # 30 s at most, should the stop never come
            check()
            time.sleep(0.01)
        raise AssertionError("never told to stop")

    monkeypatch.setattr(service, "evaluate", searching)
    client = make(library, timeout=1.0, workers=1)
    first = client.post("/rulebooks/pi2017/eval", content=b'{"tracking_items": 10}')
    assert first.status_code == 504, first.text
    second = client.post("/rulebooks/pi2017/eval", content=b'{"tracking_items": 60}')
    assert second.status_code == 200, second.text
    assert second.json()["outcome"]["level"] == "serious"


def test_a_request_that_finds_no_free_thread_is_told_busy_not_slow(library, monkeypatch):
    """A case that cannot be stopped midway holds its thread; the next request, which never
    started, is answered 503 "busy", not that its own case took too long."""
    from ruleengine.server import service

    def slow(*args, **kw):
        time.sleep(2.0)

    monkeypatch.setattr(service, "evaluate", slow)
    client = make(library, timeout=0.3, workers=1)
    assert client.post("/rulebooks/pi2017/eval", content=b"{}").status_code == 504
    r = client.post("/rulebooks/pi2017/eval", content=b"{}")
    assert r.status_code == 503, r.text
    assert r.json()["error"]["kind"] == "busy"
    assert "busy" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "method, path, body, headers, status, kind",
    [
        ("GET", "/rulebooks/pi2017/eval", None, {}, 405, "method_not_allowed"),
        ("GET", "/rulebooks/pi2017/run", None, {}, 405, "method_not_allowed"),
        ("DELETE", "/rulebooks", None, {}, 405, "method_not_allowed"),
        ("GET", "/nowhere", None, {}, 404, "not_found"),
        ("POST", "/rulebooks/pi2017/evaluate", b"{}", {}, 404, "not_found"),
        ("GET", "/static/nothing.css", None, {}, 404, "not_found"),
        ("POST", "/rulebooks/pi2017/eval", b"x" * 2000, {}, 413, "too_large"),
        ("POST", "/rulebooks/pi2017/eval", b"{bad", {}, 422, "invalid_facts"),
        # the body is read as JSON whatever its type says (curl -d sends a form's): no 415
        ("POST", "/rulebooks/pi2017/eval", b"<a/>", {"Content-Type": "text/xml"}, 422, None),
        ("POST", "/rulebooks/pi2017/eval", b"a=1", {"Content-Type": FORM_TYPE}, 422, None),
    ],
)
def test_every_error_is_in_the_services_shape(library, method, path, body, headers, status, kind):
    """qa8: a 405 (and a 404 of no route) was FastAPI's ``{"detail": "Method Not Allowed"}``,
    not the documented ``{"error": {"kind", "exit_code", "message"}}``."""
    client = make(library, max_body=1000)
    r = client.request(method, path, content=body, headers=headers)
    assert r.status_code == status, r.text
    assert list(r.json()) == ["error"]
    error = r.json()["error"]
    assert error["kind"] == (kind or "invalid_facts") and error["message"]
    assert error["exit_code"] == {404: 2, 405: 2, 413: 4, 422: 4}[status]
    if status == 405:
        assert r.headers["allow"] in error["message"]
    zh = client.request(method, f"{path}?lang=zh", content=body, headers=headers).json()
    assert zh["error"]["zh"]["message"]


# ------------------------------------------------------------------ /run
def lines_of(response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines()]


def test_run_answers_each_line_and_a_bad_line_costs_only_its_own(client):
    body = "\n".join(
        [
            json.dumps({"illegal_gain": 6000}),
            "not json",
            "",
            json.dumps({"facts": {"other_personal_items": "x"}, "as_of": "2020-01-01"}),
            json.dumps({"illegal_gain": 60000}),
        ]
    )
    r = client.post("/rulebooks/pi2017/run", content=body)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/x-ndjson"
    out = lines_of(r)
    assert [o["line"] for o in out] == [1, 2, 4, 5]
    assert out[0]["rows"][0]["level"] == "serious"
    assert out[1]["error"]["message"].startswith("not valid JSON")
    assert out[2]["error"]["problems"][0]["field"] == "other_personal_items"
    assert out[2]["error"]["exit_code"] == 4 and out[2]["error"]["cause"] == "data"
    assert out[3]["rows"][0]["level"] == "especially_serious"


def test_run_rows_are_the_rows_ruleengine_run_writes(client, tmp_path):
    """The same lines through ``ruleengine run`` and through the service: each line's rows
    equal, person by person, and each skipped line has the same reason, field and cause."""
    lines = (EXAMPLES / "ccdi" / "cases.jsonl").read_bytes()
    lines += b"\n" + KICKBACKS.read_text().replace("\n", " ").encode() + b"\n"
    cases = tmp_path / "cases.jsonl"
    cases.write_bytes(lines)
    out = tmp_path / "out.jsonl"
    result = cli("run", str(cases), "-r", "ccdi", "-o", str(out), "--jobs", "1")
    assert result.exit_code == 4, result.output  # the example's two bad lines
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    skipped = [  # the service gives each problem its own way (its "problems", below)
        {k: v for k, v in json.loads(x).items() if k != "problems"}
        for x in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()
    ]
    answers = lines_of(client.post("/rulebooks/ccdi/run", content=lines))
    served = [row for a in answers for row in a.get("rows", ())]
    assert served == rows
    assert len({r["line"] for r in rows}) < len(rows)  # a line with several officials
    errors = [
        {
            "line": a["line"],
            "case": a["error"]["case"],
            "field": a["error"].get("problems", [{}])[0].get("field"),
            "reason": a["error"]["message"],
            "cause": a["error"]["cause"],
        }
        for a in answers
        if "error" in a
    ]
    assert errors == skipped
    assert len(errors) == 2


def test_run_decides_each_line_by_the_per_case_path_with_runs_rows(client, tmp_path, monkeypatch):
    """/run decides one line at a time: by the per-case path, not the columnar one, whose
    setup costs ten times a case for a chunk of one line (bench/README.md); its rows are
    those ``ruleengine run`` writes by the columnar path for the same lines."""
    from ruleengine import columnar

    cases = [json.loads(p.read_text()) for p in sorted((EXAMPLES / "pi2017").glob("*.json"))]
    body = "".join(json.dumps({"facts": c["facts"], "as_of": c["as_of"]}) + "\n" for c in cases)
    (tmp_path / "in.jsonl").write_text(body)
    out = tmp_path / "out.jsonl"
    result = cli("run", str(tmp_path / "in.jsonl"), "-r", "pi2017", "-o", str(out))
    assert result.exit_code == 0, result.output
    calls = []
    real = columnar.decide_cited
    monkeypatch.setattr(columnar, "decide_cited", lambda *a: calls.append(1) or real(*a))
    answers = lines_of(client.post("/rulebooks/pi2017/run", content=body.encode()))
    assert [r for a in answers for r in a["rows"]] == [
        json.loads(x) for x in out.read_text().splitlines()
    ]
    assert calls == []


def test_run_lines_that_are_not_utf8_or_end_without_a_newline(client):
    r = client.post("/rulebooks/pi2017/run", content=b'\xff{}\n{"illegal_gain": 1}')
    out = lines_of(r)
    assert out[0]["line"] == 1 and "not UTF-8" in out[0]["error"]["message"]
    assert out[1]["line"] == 2 and "rows" in out[1]


def test_run_stops_at_the_batch_limit_with_an_error_line(library):
    r = make(library, max_lines=2).post("/rulebooks/pi2017/run", content="{}\n{}\n{}\n{}\n")
    out = lines_of(r)
    assert [o.get("line") for o in out] == [1, 2, None]
    assert out[-1]["error"]["kind"] == "too_many_lines"


def test_run_past_the_body_limit_ends_with_an_error_line(library):
    def chunked():
        for _ in range(100):
            yield b"{}\n" * 10

    out = lines_of(make(library, max_body=1000).post("/rulebooks/pi2017/run", content=chunked()))
    assert out[-1]["error"]["kind"] == "too_large"
    assert all("rows" in o for o in out[:-1])  # what arrived before the limit is answered


def test_run_of_an_unknown_rulebook_and_by_get(client):
    assert client.post("/rulebooks/nope/run", content="{}").status_code == 404
    assert client.get("/rulebooks/pi2017/run").status_code == 405


# ------------------------------------------------------------------ the token
def test_the_token_guards_every_route(library):
    guarded = make(library, token="s3cret")
    for method, path in [
        ("get", "/rulebooks"),
        ("get", "/rulebooks/pi2017"),
        ("post", "/rulebooks/pi2017/eval"),
        ("post", "/rulebooks/pi2017/explain"),
        ("post", "/rulebooks/pi2017/whatif"),
        ("post", "/rulebooks/pi2017/run"),
        ("post", "/rules/check"),
        ("get", "/openapi.json"),
        ("get", "/docs"),
        ("get", "/static-offline-docs/swagger-ui-bundle.js"),
        ("get", "/book/pi2017"),
        ("get", "/static/style.css"),
    ]:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
            r = getattr(guarded, method)(path, headers=headers)
            assert r.status_code == 401, (method, path, headers)
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["error"]["kind"] == "unauthorised"
    ok = guarded.get("/rulebooks", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200


def test_a_browser_signs_in_once_and_keeps_the_token_in_a_cookie(library):
    guarded = make(library, token="s3cret")
    r = guarded.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert guarded.post("/login", data={"token": "nope"}).status_code == 401
    r = guarded.post("/login", data={"token": "s3cret"}, follow_redirects=False)
    assert r.status_code == 303
    assert "httponly" in r.headers["set-cookie"].lower()
    assert guarded.get("/").status_code == 200  # the client keeps the cookie


# ------------------------------------------------------------------ posted rule texts
RULES = (EXAMPLES / "quickstart" / "article5.rules").read_text()


def test_rule_texts_are_refused_unless_allowed(client):
    r = client.post("/rules/check", json={"rules": RULES})
    assert r.status_code == 403
    assert "--allow-rule-texts" in r.json()["error"]["message"]


def test_allowed_rule_texts_are_checked_and_run_under_the_limits(library):
    open_ = make(library, allow_rule_texts=True)
    r = open_.post("/rules/check", json={"rules": RULES})
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True
    r = open_.post("/rules/eval", json={"rules": RULES, "case": {"other_items": 5000}})
    assert r.json()["outcome"]["level"] == "serious"
    r = open_.post("/rules/explain", json={"rules": RULES, "case": {"other_items": 50}})
    assert r.json()["outcome"]["level"] == "none"
    r = open_.post("/rules/eval", json={"rules": RULES, "case": {"other_items": "x"}})
    assert r.json()["error"]["problems"][0]["field"] == "other_items"
    r = open_.post("/rules/check", json={"rules": "rule {"})
    assert r.status_code == 422
    assert r.json()["error"]["exit_code"] == 3 and r.json()["error"]["diagnostics"]
    assert open_.post("/rules/check", json={"rules": 5}).status_code == 400
    assert open_.post("/rules/run", json={"rules": RULES}).status_code == 404
    small = make(library, allow_rule_texts=True, max_body=len(RULES))
    assert small.post("/rules/check", json={"rules": RULES}).status_code == 413


def test_a_key_beside_rules_and_case_is_refused_and_named(library):
    """qa8: ``{"rules", "case", "extra": 1}`` was answered as if ``extra`` were not there; a
    misspelt ``cases`` then read as no case at all. Refused (400) like a case file's unknown
    key on the command line: named, with a did-you-mean, before the text is checked."""
    open_ = make(library, allow_rule_texts=True)
    r = open_.post("/rules/eval", json={"rules": RULES, "case": {}, "extra": 1})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["kind"] == "bad_request" and error["exit_code"] == 2
    assert error["problems"] == [
        {
            "field": "extra",
            "message": "unknown field of the body",
            "help": "the body has 'rules' and 'case'",
        }
    ]
    r = open_.post("/rules/explain?lang=zh", json={"rules": RULES, "cases": {}})
    assert r.json()["error"]["problems"][0]["help"] == "did you mean 'case'?"
    assert "cases" in r.json()["error"]["zh"]["message"]
    r = open_.post("/rules/check", json={"rules": RULES, "ruels": RULES})
    said = "ruels: unknown field of the body (did you mean 'rules'?)"
    assert said in r.json()["error"]["message"]


def many_rules(n: int, tag: str) -> str:
    """A rule text of ``n`` one-line rules: seconds of parsing and checking for 10,000."""
    head = "input x: integer = 0\nconclusion c: value integer = 0\n"
    return head + "".join(
        f"rule {tag}{i} {{ cite article {i} when x > {i} then c = {i} }}\n" for i in range(n)
    )


def test_a_rule_texts_check_ends_when_its_request_stops_waiting(library):
    """qa8: six large posted texts kept the threads checking for some 20 s after their 504s
    (every trivial request meanwhile "busy"), as a text's parse and check polled no stop
    signal. The check runs in a child process, killed once the signal is set: here it is
    set before the check starts, so a check that ran to its end would return a rulebook."""
    import multiprocessing
    import threading

    from ruleengine.server.texts import check_text
    from ruleengine.stopping import Stopped, stoppable

    stop = threading.Event()
    stop.set()
    before = set(multiprocessing.active_children())  # another test's, on this worker
    with stoppable(stop), pytest.raises(Stopped):
        check_text(many_rules(3000, "s"), library.pm)
    # Killed and reaped, not left checking (only this check's child counted).
    assert not set(multiprocessing.active_children()) - before
    assert check_text(RULES, library.pm).rulebook.rules  # outside a request: checked


def test_a_large_rule_text_past_the_time_limit_frees_its_thread(library):
    """The service's side of the above: the 504 comes at the limit, the thread is free at
    once (waited for, not timed), and the text's check never finished (it would have been
    kept among the compiled texts), so the next request is answered."""
    from ruleengine.server.library import adhoc_rulebook

    client = make(library, allow_rule_texts=True, timeout=0.05, workers=1)
    adhoc_rulebook.cache_clear()
    r = client.post("/rules/check", json={"rules": many_rules(10_000, "t")})
    assert r.status_code == 504, r.text
    free = client.app.state.run.free
    assert free.acquire(timeout=120)
    free.release()
    assert adhoc_rulebook.cache_info().currsize == 0  # stopped midway, not checked to its end
    client.app.state.run.timeout = 600.0  # (the next, small, text needs its fork server)
    r = client.post("/rules/eval", json={"rules": RULES, "case": {"other_items": 5000}})
    assert r.json()["outcome"]["level"] == "serious"


# ------------------------------------------------------------------ OpenAPI
def test_the_api_docs_page_needs_no_network(client):
    """/docs loads Swagger UI from the service itself (fastapi-offline's files), not a CDN."""
    pytest.importorskip("fastapi_offline", reason="the 'serve' extra brings fastapi-offline")
    page = client.get("/docs").text
    scripts = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert scripts and all(s.startswith("/static-offline-docs/") for s in scripts), scripts
    for asset in scripts:
        assert client.get(asset).status_code == 200
    assert "cdn" not in page.lower()
    assert "/static-offline-docs/redoc.standalone.js" in client.get("/redoc").text


def test_the_openapi_document_carries_each_rulebooks_facts_schema(client, library):
    from ruleengine.schema import facts_schema

    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    expected = facts_schema(library.books["pi2017"].book.rulebook)
    expected.pop("$schema")
    assert schemas["Facts.pi2017"] == expected
    assert schemas["Facts.ccdi"]["properties"]["acts"]["items"] == {
        "$ref": "#/components/schemas/Facts.ccdi.act"
    }
    assert "Facts.ccdi.act" in schemas
    body = doc["paths"]["/rulebooks/{name}/eval"]["post"]["requestBody"]
    refs = json.dumps(body)
    assert "Facts.pi2017" in refs and "CaseFile" in refs
    assert "/rulebooks/{name}/run" in doc["paths"]
    for ref in _refs(doc):
        name = ref.removeprefix("#/components/schemas/")
        assert name in schemas, ref


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


# ------------------------------------------------------------------ the command
@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--max-lines", "0"], "must be above 0"),
        (["--timeout", "0"], "must be above 0"),
        (["--token-file", "/no/such/token"], "cannot read the token"),
    ],
)
def test_serve_refuses_bad_settings_with_exit_2(args, says):
    r = cli("serve", *args)
    assert r.exit_code == 2
    assert says in r.stderr


def test_serve_refuses_an_empty_token_file_and_bad_rules(tmp_path):
    token = tmp_path / "token"
    token.write_text("\n")
    r = cli("serve", "--token-file", str(token))
    assert r.exit_code == 2 and "empty" in r.stderr
    bad = tmp_path / "bad.rules"
    bad.write_text("rule {")
    r = cli("serve", "--rules", str(bad))
    assert r.exit_code == 3
    assert "bad.rules:1" in r.stderr


def test_serve_refuses_a_port_it_cannot_listen_on_with_exit_2():
    """A seventh QA round: ``--port 99999`` printed uvicorn's tracebacks and exit 70; a port
    in use or a host that is none was uvicorn's own exit 3 (invalid rules, here)."""
    import socket

    r = cli("serve", "--port", "99999")
    assert r.exit_code == 2 and "99999 is not in the range" in r.output
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        r = cli("serve", "--port", str(port))
    assert r.exit_code == 2, r.output
    assert f"--host 127.0.0.1 --port {port}: cannot listen (Address already in use" in r.stderr


@pytest.mark.parametrize(
    "query, says",
    [("lang=xx", "lang: String should match pattern"), ("whatif=maybe", "whatif: Input should")],
)
def test_a_query_parameter_that_does_not_fit_is_a_usage_error_in_the_services_shape(
    client, query, says
):
    """A fifth QA round: ``?lang=xx`` answered FastAPI's ``{"detail": ...}`` with 422 (the
    status the service gives a case's facts), not the documented ``{"error": ...}``."""
    r = client.post(f"/rulebooks/pi2017/explain?{query}", content=b'{"tracking_items": 60}')
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["kind"] == "bad_request" and error["exit_code"] == 2
    assert error["message"].startswith(says)


def test_a_query_parameter_given_twice_is_refused_not_taken_last(client):
    """A seventh QA round: ``?as_of=2018-01-01&as_of=2019-01-01`` took the last, unsaid."""
    r = client.post(
        "/rulebooks/pi2017/eval?as_of=2018-01-01&as_of=2019-01-01",
        content=b'{"tracking_items": 60}',
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["exit_code"] == 2
    assert (
        error["message"] == "the query parameter 'as_of' is given more than once: which was meant?"
    )
    body = b'{"tracking_items": 60}'
    two = "/rulebooks/pi2017/whatif?vary=tracking_items&vary=illegal_gain"
    assert client.post(two, content=body).status_code == 200  # vary: one or two facts
