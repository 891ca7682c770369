"""``run --dask``: the same batch on a Dask cluster, row for row what a local run writes.

The input is read here, in chunks (partitions), as a local run reads it; each partition goes
to a worker with the rule texts (a ``BookSpec``, sent once to every worker), never compiled
code: each worker builds the rulebook itself, once, as Dask advises for state that does not
pickle well, and decides the partition with the same ``decide_chunk``. Results are either a
partitioned Parquet dataset the workers write themselves (``OUT/part-000000.parquet``, ...,
in input order by name; the folder must be reachable from every worker, as shared storage
is), or gathered here and written to one file in input order. The errors file and the totals
are kept here, in order, as in a local run. At most a few partitions per worker are in flight,
so memory stays flat on both sides.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import datetime
import functools
import logging
import pickle
import signal
import tempfile
import threading
from pathlib import Path

from .inputs import have, need
from .running import (
    BookSpec,
    Context,
    Decided,
    Options,
    Spooled,
    Totals,
    decide_chunk,
    in_columns,
    settle,
)

#: Lines per partition: larger than a local chunk, since each crosses the network; and at
#: most this much of the input. A partition's records, decisions and rows are what a worker
#: holds beyond Dask and the rulebook (ccdi: 1,000 lines grew each worker by 10 MB over
#: 500), so a rulebook decided one by one, whose lines cost 5 to 10 times more, takes
#: shorter partitions (``PER_CASE_BYTES``) than one deciding in columns, which takes twice
#: the lines, as a local run's chunks: Dask costs some 12 ms of the command's CPU a
#: partition, whatever its size, which for pi2017's cheap lines was a third of the command's
#: (500,000 lines, ``--dask local --jobs 2``: the command's CPU 17.1 s with 1,000 lines or
#: 256 KB, 13.6 s with 4,000 or 1 MB, 13.1 s with 2,000 or 512 KB and the spooled rows below;
#: peak memory 177, 210, 187 MB).
PARTITION_LINES = 1_000
PARTITION_BYTES = 512 << 10
PER_CASE_BYTES = 128 << 10
LOCAL = "local"
#: ``--dask local`` into a file: the workers leave each partition's rows in a file of a
#: temporary folder, as a local run's do, for the command to copy in (``Spooled``).
SPOOL = True
#: Dask's settings for the local cluster (``--dask local``), which is there for this run
#: only: no statistical profiler in the workers (a thread sampling every 10 ms, and the
#: samples kept), and short logs of what was done (by default the last 10,000 and 1,000
#: entries of each log, kept in the scheduler, here, and the workers, which grow with the
#: number of tasks until full). A cluster given by its address is left as its owner set up.
LOCAL_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.log-length": 100,
    "distributed.admin.low-level-log-length": 100,
    "distributed.admin.system-monitor.log-length": 100,
}

_contexts: dict[tuple, Context] = {}
_lock = threading.Lock()


@functools.cache
def _libc():
    """glibc, whose ``malloc_trim`` gives the free pages of the C heap back; None elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 (musl, macOS: none)
    except (OSError, AttributeError):
        return None
    return libc


def trim() -> None:
    """Give the system back the C heap's free pages (``malloc_trim``: well under a
    millisecond). What Python frees in large blocks stays in the heap, in holes the next
    partition does not fill as it was (a program compiled for a new period, a partition's
    rows): a worker's resident memory crept up by 5 MB, the command's too; Dask advises it
    for the same reason ("Memory not released back to the OS")."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _context(spec: BookSpec, options: Options) -> Context:
    """The worker's rulebook, built from the rule texts the first time a partition needs it."""
    key = (spec, options)
    with _lock:
        found = _contexts.get(key)
        if found is None:
            found = _contexts[key] = Context.from_spec(spec, options)
            settle()
        return found


def decide_partition(
    spec: BookSpec,
    options: Options,
    index: int,
    chunk: list,
    folder: str | None,
    spool: str | None = None,
) -> Decided:
    """On a worker: decide one partition; with ``folder``, write its rows there as
    ``part-INDEX.parquet`` and send back only the skipped lines and the counts; with
    ``spool`` (``--dask local``: a folder of this machine), leave the rows in a file there for
    the command to copy in, as a local run's workers do, rather than send them back."""
    context = _context(spec, options)
    decided = decide_chunk(context, chunk)
    if spool is not None and decided.rows:
        rows = decided.rows  # bytes, or Parquet's rows (which the writer spools pickled)
        data = rows if isinstance(rows, bytes) else pickle.dumps(rows, pickle.HIGHEST_PROTOCOL)
        try:
            decided.rows = Spooled.write(spool, data)
        except OSError:  # the folder gone or full: sent back
            pass
    if folder is not None:
        import pyarrow.parquet as pq

        from .writing import WriteFailed, arrow_table

        table = arrow_table(context.schema, decided.rows or [])
        part = Path(folder) / f"part-{index:06d}.parquet"
        try:
            pq.write_table(table, str(part))
        except OSError as err:  # the folder removed under the run, the disk full
            raise WriteFailed(f"{part}: cannot write ({err.strerror or err})") from None
        decided.rows = None
    trim()
    return decided


def local_cluster(distributed, jobs: int):
    """``--dask local``: a scheduler and one worker in this process, and ``jobs - 1``
    workers in processes of their own, each single-threaded.

    A worker process is a fresh interpreter with distributed (about 65 MB before it builds
    the rulebook); this process already holds distributed, with the scheduler, and the
    rulebook, which it built to check the rule texts. Its worker decides with that rulebook,
    for the cost of the programs of the periods it meets, where a worker process of its own
    cost the whole tree about 85 MB. What this process does beside (reading the input, the
    scheduler, writing the rows) is a small part of a line's time, so its worker keeps a core
    about as busy as a worker process would. Workers' own log lines stay quiet: a task's
    failure reaches the command as its exception, while what a worker logs as the cluster
    shuts down ("Failed to communicate with scheduler during heartbeat", with a traceback)
    is Dask's noise, not the user's concern (dask/distributed#7105). The scheduler's HTTP
    server (which it starts even with no dashboard) takes a free port, not 8787, which
    another Dask may hold."""
    host = "127.0.0.1"
    quiet = logging.CRITICAL
    scheduler = {
        "cls": distributed.Scheduler,
        "options": {
            "host": host,
            "protocol": "tcp://",
            "dashboard": False,
            "dashboard_address": f"{host}:0",
        },
    }
    here = {"cls": distributed.Worker, "options": {"host": host, "nthreads": 1}}
    away = {
        "cls": distributed.Nanny,
        "options": {"host": host, "nthreads": 1, "silence_logs": quiet},
    }
    workers = {"here": here} | {f"worker-{i}": away for i in range(1, jobs)}
    return distributed.SpecCluster(workers=workers, scheduler=scheduler, silence_logs=quiet)


def _least_busy(busy: dict[str, list]) -> dict:
    """Where the next partition goes (``--dask local``): the worker with the fewest partitions
    not yet decided. Dask places a task where its data is, and scattered data went to the
    workers in turn, half to each of two; but the worker in the command's process shares it
    with the scheduler, the reading and the writing, so it fell behind and the worker
    process waited (pi2017: 2.2 times the wall of ``--jobs 2``). ``{}``: Dask's choice."""
    if not busy:
        return {}
    for futures in busy.values():
        futures[:] = [f for f in futures if not f.done()]
    worker = min(busy, key=lambda a: len(busy[a]))
    return {"workers": [worker], "allow_other_workers": True}


@contextlib.contextmanager
def _deaf_to_ctrl_c():
    """Ctrl-C ignored while ``--dask local``'s worker processes are started, so that they
    ignore it too (a process started ignoring SIGINT keeps ignoring it): Ctrl-C reaches every
    process of the terminal's group, and each worker process printed a KeyboardInterrupt
    traceback as it died, while the command stops the cluster itself as it ends. A Ctrl-C in
    the second or so this takes is lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def is_dataset(out: str) -> bool:
    """A folder (existing, or named with a trailing '/' or without a suffix): a dataset."""
    return out.endswith("/") or Path(out).is_dir() or not Path(out).suffix


def run_on_dask(
    book,
    cases: str,
    out: str,
    *,
    address: str,
    input_format: str | None,
    as_of: datetime.date | None,
    trace: bool,
    report,
    jobs: int = 1,
    sinks: list | None = None,
) -> Totals:
    """Decide the cases on the cluster at ``address`` (``local``: a LocalCluster of ``jobs``
    single-threaded workers), into ``out`` and its errors file, as a local run does; its
    ``Sink`` is added to ``sinks``, to say how far a stopped run went."""
    sinks = [] if sinks is None else sinks
    from .commands import Sink, Usage, more_said, open_cases, output_format
    from .progress import Bar
    from .table import Schema
    from .writing import ErrorsWriter, ResultsWriter, StagedFolder, close_all, errors_path

    distributed = need("distributed", "dask", "--dask")
    dataset = is_dataset(out)
    fmt = "parquet" if dataset else output_format(out)
    if fmt == "parquet":  # found, not imported: the workers write the parts (26 MB here)
        have("pyarrow", "dask", "--dask")
    reader = open_cases(cases, input_format, book)
    options = Options(as_of, trace, fmt)
    schema = Schema(book.book.rulebook, trace)
    errors_file = errors_path(out.rstrip("/"))
    writer = errors = folder = cluster = spool = None
    done = False
    try:  # one block from the first output made: a failure or a signal leaves none of them
        try:
            if dataset:  # the parts go to a folder beside OUT, swapped in at the end
                folder = StagedFolder(out)
            else:
                writer = ResultsWriter(out, fmt, schema)
            errors = ErrorsWriter(errors_file, report.lang)
        except ValueError as err:
            raise Usage(f"{out}: {err}; give an empty or new folder") from None
        except OSError as err:
            raise Usage(f"{out}: cannot write ({err.strerror or err})") from None
        sink = Sink(cases, report, writer, errors)
        totals = Totals()
        sink.totals = totals
        sinks.append(sink)  # how far it went, should the run be stopped
        context = book.context(options)
        if address == LOCAL:
            import dask

            with dask.config.set(LOCAL_CONFIG), _deaf_to_ctrl_c():  # the workers get both
                cluster = local_cluster(distributed, jobs)
                client = distributed.Client(cluster)
            with _lock:  # the worker in this process decides with the rulebook built here
                _contexts[(book.spec, options)] = context
        else:
            try:
                client = distributed.Client(address, timeout="30s")
            except (OSError, TimeoutError, ValueError) as err:
                raise Usage(f"--dask {address}: cannot reach the scheduler ({err})") from None
        with client, Bar(reader, Path(out).name, report.progress) as bar:
            sink.bar = bar
            addresses = list(client.scheduler_info().get("workers", {}))
            workers = max(1, len(addresses))
            spec = client.scatter(book.spec, broadcast=True)
            pending: collections.deque = collections.deque()
            # --dask local: each partition to the worker with the fewest not yet decided
            busy: dict[str, list] = {a: [] for a in addresses} if address == LOCAL else {}
            if address == LOCAL:
                settle()  # the rulebook and Dask, left alone by the collector as in a local run

            def emit(future) -> None:
                decided = future.result()
                totals.add(decided)
                sink(decided)
                del decided
                trim()

            target = None if folder is None else str(folder.temp)
            if address == LOCAL and folder is None and SPOOL:
                spool = tempfile.TemporaryDirectory(prefix="ruleengine-rows-")
            columns = in_columns(context)
            size = PARTITION_BYTES if columns else PER_CASE_BYTES
            lines = PARTITION_LINES * (2 if columns else 1)
            for index, chunk in enumerate(reader.chunks(lines, size)):
                # Scattered, not put in the task: the scheduler keeps what it logs of a
                # task's arguments, which grew the command by each partition's lines.
                where = _least_busy(busy)
                data = client.scatter(chunk, direct=True, workers=where.get("workers"))
                future = client.submit(
                    decide_partition,
                    spec,
                    options,
                    index,
                    data,
                    target,
                    spool and spool.name,
                    pure=False,
                    **where,
                )
                pending.append(future)
                if where:
                    busy[where["workers"][0]].append(future)
                while len(pending) > 2 * workers:
                    emit(pending.popleft())
            while pending:
                emit(pending.popleft())
        done = True
    finally:  # as for a local run: a run that fails leaves any older OUT as it was
        try:
            reader.close()
            if cluster is not None:  # first: Parquet is made once the workers have ended
                cluster.close()
        finally:
            try:
                close_all([folder, writer, errors], keep=done)
            finally:
                if spool is not None:
                    spool.cleanup()
    if sink.more:
        report.say(more_said(report, cases, sink.more, errors.path))
    return totals
