"""The pool of worker processes behind ``run --jobs N``: how it stops (Ctrl-C, a failure)
and how it reads a regular file (by byte ranges, in the workers)."""

from __future__ import annotations

import io
import multiprocessing
import multiprocessing.connection
import os
import signal

import pytest
from test_batch import LINES, TEXT, TOY

import ruleengine
from ruleengine.batch import running
from ruleengine.batch.inputs import JsonLines

pytestmark = pytest.mark.skipif(not running._forks(), reason="workers are forked on Linux only")


@pytest.fixture()
def book():
    return ruleengine.load_text(TOY, "toy.rules")


@pytest.fixture()
def no_workers_left():
    """Fails a test that leaves worker processes alive (and ends them, so that the test
    process does not wait on them at its exit, as the command did)."""
    before = set(multiprocessing.active_children())
    yield
    new = [p for p in multiprocessing.active_children() if p not in before]
    ended = multiprocessing.connection.wait([p.sentinel for p in new], timeout=5)
    left = [p for p in new if p.sentinel not in ended]
    for p in left:
        p.kill()
        p.join()
    assert left == [], "worker processes left alive"


def _context(book, decide=None):
    return running.Context(book, None, running.Options(output="rows"), decide)


def test_a_ctrl_c_as_the_pool_starts_its_workers_leaves_none_behind(
    book, monkeypatch, no_workers_left
):
    """Issue 9 (a hang seen once after ``timeout -s INT``): a KeyboardInterrupt after the
    workers were forked but before the pool's thread started left workers that nothing would
    tell to end; the pool's shutdown failed ("cannot join thread before it is started") and
    the command's exit waited on them for ever. Now they are ended, and the interrupt is
    what the caller sees."""
    import concurrent.futures.process as cfp

    def start(thread):
        raise KeyboardInterrupt

    monkeypatch.setattr(cfp._ExecutorManagerThread, "start", start)
    monkeypatch.setattr(running, "STOP_GRACE", 0.2)
    with pytest.raises(KeyboardInterrupt):
        running.run(
            JsonLines(io.BytesIO(TEXT.encode())),
            lambda d: None,
            context=_context(book),
            jobs=2,
            chunk_lines=2,
        )


#: The process in which the next fork is followed by a Ctrl-C (``_ctrl_c_after_fork``).
_ARMED: list[int] = []


def _ctrl_c_after_fork() -> None:
    if _ARMED and _ARMED[0] == os.getpid():
        _ARMED.clear()
        os.kill(os.getpid(), signal.SIGINT)


os.register_at_fork(after_in_parent=_ctrl_c_after_fork)  # inert unless armed


def test_a_ctrl_c_as_a_worker_is_forked_is_not_lost(book, monkeypatch, no_workers_left):
    """Issue 9: a Ctrl-C that came as the pool forked a worker was handled in one of Python's
    at-fork hooks, where a KeyboardInterrupt is ignored: the run went on (from a pipe, waiting
    for more input, so it seemed to hang). Now it stops the run, after the fork."""
    monkeypatch.setattr(running, "STOP_GRACE", 0.2)
    _ARMED.append(os.getpid())
    try:
        with pytest.raises(KeyboardInterrupt):
            running.run(
                JsonLines(io.BytesIO(TEXT.encode())),
                lambda d: None,
                context=_context(book),
                jobs=2,
                chunk_lines=2,
            )
    finally:
        _ARMED.clear()


def test_after_a_ctrl_c_a_worker_that_does_not_end_is_terminated_not_waited_for(
    book, monkeypatch, no_workers_left
):
    """The command stopped (a KeyboardInterrupt in it) while a worker decides a chunk that
    takes long: the worker is given ``STOP_GRACE`` seconds, then terminated; the command
    waited for its chunk to end, however long (30 s here)."""
    import time

    def slow(book, records, day):
        if any(r.get("score") == 4 for r in records):  # line 6's chunk
            time.sleep(30)
        return running.decide_each(book, records, day)

    monkeypatch.setattr(running, "STOP_GRACE", 0.2)
    workers = []
    before = set(multiprocessing.active_children())  # another test's, on this xdist worker

    def sink(decided):
        workers.extend(p for p in multiprocessing.active_children() if p not in before)
        raise KeyboardInterrupt  # Ctrl-C, as the first chunk's rows come

    with pytest.raises(KeyboardInterrupt):
        running.run(
            JsonLines(io.BytesIO(TEXT.encode())),
            sink,
            context=_context(book, slow),
            jobs=2,
            chunk_lines=2,
        )
    # Both: the idle one is told to end only once every chunk in hand is in.
    assert [_exitcode(p) for p in workers] == [-signal.SIGTERM] * 2


def _exitcode(process) -> int | None:
    """Its exit code, once reaped (by this thread or the pool's, which may race it)."""
    for _ in range(200):
        process.join(0.05)
        if process.exitcode is not None:
            break
    return process.exitcode


def test_a_worker_goes_on_through_a_ctrl_c_the_command_stops_it(book, no_workers_left):
    """Ctrl-C in a terminal reaches every process of the command: a worker ignores it (it
    died of it in the middle of reading a chunk or sending a result, the pool broken and
    restarted), and the command, which took it too, stops the workers itself."""

    def interrupted(book, records, day):
        if any(r.get("score") == 25 for r in records):
            os.kill(os.getpid(), signal.SIGINT)
        return running.decide_each(book, records, day)

    got = []
    try:
        totals = running.run(
            JsonLines(io.BytesIO(TEXT.encode())),
            got.append,
            context=_context(book, interrupted),
            jobs=2,
            chunk_lines=2,
        )
    except KeyboardInterrupt:  # the worker's, sent back as its chunk's result
        pytest.fail("a worker died of the Ctrl-C")
    assert [row[0] for d in got for row in d.rows] == [1, 2, 2, 8]
    assert totals.lines == totals.cases + totals.lines_skipped == len(LINES) - 1
    assert not [s for d in got for s in d.skipped if s.cause == "ruleengine"]


def test_ctrl_c_stops_run_with_workers_exit_130_and_no_output(tmp_path):
    """Ctrl-C in a terminal (SIGINT to the command and its workers): exit 130, no OUT, no
    temporary file, no process left."""
    import subprocess
    import sys
    import time

    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    fifo = tmp_path / "cases.jsonl"
    os.mkfifo(fifo)
    out = tmp_path / "out" / "o.jsonl"
    out.parent.mkdir()
    code = "from ruleengine.cli import main; main()"
    args = [sys.executable, "-c", code, "run", str(fifo), "--rules", str(rules), "-o", str(out)]
    proc = subprocess.Popen([*args, "-j", "2"], start_new_session=True)
    try:
        with open(fifo, "w", encoding="utf-8") as cases:
            cases.write((LINES[0] + "\n") * 3 * running.CHUNK_LINES)  # workers start
            cases.flush()
            for _ in range(600):  # at most 60 s on a loaded machine
                if _children(proc.pid):
                    break
                time.sleep(0.1)
            workers = _children(proc.pid)
            assert workers
            os.killpg(proc.pid, signal.SIGINT)
            assert proc.wait(60) == 130
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert list(out.parent.iterdir()) == []
    assert not [w for w in workers if os.path.exists(f"/proc/{w}")]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


# ------------------------------------------------------------------ a file read by ranges
@pytest.mark.parametrize("numpy", [True, False])
def test_a_regular_file_read_by_ranges_gives_what_reading_line_by_line_gives(
    tmp_path, monkeypatch, numpy
):
    """With workers, a regular file's chunks are places in it (``Span``: five numbers, not
    the lines), read by the worker: the same items as line by line, wherever a chunk ends (by
    lines or bytes: inside a CRLF's neighbourhood, after a BOM, beside multibyte characters),
    a last line without a line feed, blank lines, a line longer than a chunk, a line too
    long skipped without being held; line feeds counted by numpy or by bytes.count."""
    import pickle
    import random

    from ruleengine.batch import inputs
    from ruleengine.batch.inputs import Span, read_lines

    if not numpy:  # line feeds counted by bytes.count
        monkeypatch.setattr(inputs, "_numpy", lambda: None)
    elif inputs._numpy() is None:
        pytest.skip("numpy is not installed")

    rng = random.Random(9)
    pieces = [
        b"\xef\xbb\xbf{}",
        b"",
        b"   ",
        b'{"a": 1}\r',
        b"\r",
        b"\xff\xfe",
        '{"名": "张三"}'.encode(),
        b"x" * 150,
        b"y" * 60,
        b"z" * 99,
    ]
    path = tmp_path / "cases.jsonl"
    for trial in range(300):
        lines = [rng.choice(pieces) for _ in range(rng.randint(0, 40))]
        data = b"\n".join(lines) + rng.choice((b"", b"\n", b"\r\n"))
        path.write_bytes(data)
        expected = list(read_lines(open(path, "rb"), max_bytes=100))  # noqa: SIM115
        cap = rng.choice((1, 7, 64, 120, 300, 1 << 20))  # a chunk's bytes, at most
        with open(path, "rb") as stream:
            reader = JsonLines(stream, max_bytes=100)
            chunks = list(reader.chunks(rng.randint(1, 6), cap, by_range=True))
            got = [item for chunk in chunks for item in pickle.loads(pickle.dumps(chunk))]
            assert got == expected, (trial, data, cap)
            assert reader.done == len(data)
            spans = [c for c in chunks if isinstance(c, Span)]
            assert len(spans) + sum(1 for c in chunks if isinstance(c, list)) == len(chunks)
            assert all(s.length <= max(cap, 101) for s in spans), (trial, cap)
    # A file cut short under the run: each line no longer there says so.
    path.write_bytes(b"{}\n{}\n{}\n")
    with open(path, "rb") as stream:
        (span,) = JsonLines(stream).chunks(10, by_range=True)
        path.write_bytes(b"{}\n")
        assert [problem and problem.en for _, _, problem in span] == [None] + [
            "not read: the file changed while it was read"
        ] * 2


def test_workers_read_a_regular_file_themselves_and_give_the_same_rows(
    tmp_path, monkeypatch, no_workers_left
):
    """Run by two workers on a regular file, the command reads each piece of it only to find
    where chunks end: it splits no line, decodes none, encodes no row; the rows and skipped
    lines are those of one process."""
    from ruleengine.batch import inputs
    from ruleengine.batch.writing import Encoder

    book = ruleengine.load_text(TOY, "toy.rules")
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (TEXT * 5).replace("\n", "\r\n", 3).encode())
    here = []  # lines split and rows encoded in this process
    line, row = inputs._line, Encoder.row
    monkeypatch.setattr(inputs, "_line", lambda *a: here.append("line") or line(*a))
    monkeypatch.setattr(Encoder, "row", lambda *a: here.append("row") or row(*a))
    results = []
    for jobs in (1, 2):
        here.clear()
        got = []
        with open(path, "rb") as stream:
            totals = running.run(
                JsonLines(stream), got.append, context=_context(book), jobs=jobs, chunk_lines=4
            )
        rows = [row for d in got for row in d.rows]
        skipped = [(s.line, s.reason) for d in got for s in d.skipped]
        results.append((rows, skipped, totals))
        assert ("line" in here and "row" in here) if jobs == 1 else here == []
    assert results[0] == results[1]
    assert results[0][2].cases == 15 and len(results[0][1]) == 25
