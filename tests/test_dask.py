"""run --dask: on a LocalCluster of two workers, the same rows as a local run, row for row.

The cluster's workers are threads of this process (``processes=False``), which keeps the test
fast while still sending every partition through the scheduler to a worker, and each worker
building its rulebook from the rule texts (``BookSpec``) the first time it meets one.
"""

from __future__ import annotations

import json
import logging

import pytest
from test_batch import TEXT, TOY, runner

from ruleengine.cli import EXIT_BAD_FACTS, EXIT_INTERNAL, EXIT_USAGE, app

distributed = pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as c:
        yield c


def test_dask_gives_the_rows_and_errors_of_a_local_run(cluster, tmp_path, monkeypatch):
    from ruleengine.batch import dask_runner

    monkeypatch.setattr(dask_runner, "PARTITION_LINES", 4)  # several partitions, two workers
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(TEXT * 3, encoding="utf-8")
    base = ["run", str(cases), "--rules", str(rules), "-f", "json"]

    local = runner.invoke(app, [*base, "-o", str(tmp_path / "local.jsonl"), "-j", "1"])
    address = cluster.scheduler_address
    gathered = runner.invoke(app, [*base, "-o", str(tmp_path / "d.jsonl"), "--dask", address])
    parts = runner.invoke(app, [*base, "-o", str(tmp_path / "parts"), "--dask", address])
    for result in (local, gathered, parts):
        assert result.exit_code == EXIT_BAD_FACTS, result.output
    totals = [json.loads(r.stdout)["totals"] for r in (local, gathered, parts)]
    assert totals[0] == totals[1] == totals[2] and totals[0]["cases"] == 9

    def lines(name):
        return (tmp_path / name).read_text(encoding="utf-8").splitlines()

    want = [json.loads(t) for t in lines("local.jsonl")]
    assert [json.loads(t) for t in lines("d.jsonl")] == want
    files = sorted((tmp_path / "parts").glob("part-*.parquet"))
    assert len(files) > 2  # one per partition, named in input order
    assert [row for f in files for row in pq.read_table(f).to_pylist()] == want
    errors = lines("local.jsonl.errors.jsonl")
    assert lines("d.jsonl.errors.jsonl") == errors == lines("parts.errors.jsonl")


def test_a_dask_run_that_fails_leaves_the_older_results_as_they_were(
    cluster, tmp_path, monkeypatch
):
    """As a local run does: the rows are written under a temporary name and renamed into
    place only when the run ends; a run that fails removes it."""
    from ruleengine.batch import dask_runner

    def broken(*args, **kwargs):
        raise RuntimeError("a bug half way")

    monkeypatch.setattr(dask_runner, "decide_partition", broken)
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "d.jsonl"
    out.write_text("older results\n", encoding="utf-8")
    (tmp_path / "d.jsonl.errors.jsonl").write_text("", encoding="utf-8")
    args = ["run", str(cases), "--rules", str(rules), "-o", str(out)]
    result = runner.invoke(app, [*args, "--dask", cluster.scheduler_address])
    assert result.exit_code == EXIT_INTERNAL, result.output
    assert out.read_text(encoding="utf-8") == "older results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["toy.rules", "cases.jsonl", "d.jsonl", "d.jsonl.errors.jsonl"]
    )  # no temporary file left either


# distributed's own: a socket left to the collector
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_dask_local_sets_up_its_cluster_for_this_run_only(tmp_path, monkeypatch):
    """``--dask local`` starts a scheduler and one worker in this process, which decides with
    the rulebook built here (a worker process of its own cost the tree about 85 MB), and
    ``--jobs`` - 1 workers in processes of their own; with Dask's profiler off and its logs
    short (what grew the processes with the input's size), its workers' log lines quiet
    (Dask's heartbeat tracebacks as the cluster shuts down reached users), no dashboard and
    the scheduler's HTTP server on a free port (8787 held by another Dask made Dask warn the
    user), leaving Dask's settings as they were; the rows are a local run's."""
    import socket
    import warnings

    import dask

    from ruleengine.batch import dask_runner

    made = []
    real = distributed.SpecCluster

    def spec_cluster(workers, scheduler, silence_logs):
        made.append(
            (
                sorted((name, w["cls"].__name__) for name, w in workers.items()),
                scheduler["options"]["dashboard"],
                scheduler["options"]["dashboard_address"],
                dask.config.get("distributed.worker.profile.enabled"),
                dask.config.get("distributed.admin.log-length"),
                dask.config.get("distributed.admin.low-level-log-length"),
                silence_logs,  # no worker's shutdown noise on stderr
            )
        )
        threads = {name: {**w, "cls": distributed.Worker} for name, w in workers.items()}
        for w in threads.values():  # threads here: the test stays fast
            w["options"] = {k: v for k, v in w["options"].items() if k != "silence_logs"}
        return real(workers=threads, scheduler=scheduler, silence_logs=silence_logs)

    monkeypatch.setattr(distributed, "SpecCluster", spec_cluster)
    from ruleengine.batch import writing

    kinds = []
    write = writing.ResultsWriter.write
    monkeypatch.setattr(
        writing.ResultsWriter,
        "write",
        lambda self, rows, n: kinds.append(type(rows).__name__) or write(self, rows, n),
    )
    built = []
    real_context = dask_runner.Context.from_spec
    monkeypatch.setattr(
        dask_runner.Context, "from_spec", lambda *a: built.append(a) or real_context(*a)
    )
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(TEXT, encoding="utf-8")
    base = ["run", str(cases), "--rules", str(rules)]
    local = runner.invoke(app, [*base, "-o", str(tmp_path / "local.jsonl"), "-j", "1"])
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 8787))  # as another Dask's dashboard would
        taken.listen()
    except OSError:
        pass  # another's already: taken all the same
    with taken, warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        dasked = runner.invoke(
            app, [*base, "-o", str(tmp_path / "d.jsonl"), "--dask", "local", "-j", "2"]
        )
    assert not [w for w in warned if "8787" in str(w.message)]
    assert local.exit_code == dasked.exit_code == EXIT_BAD_FACTS, dasked.output
    assert "8787" not in dasked.output
    workers = [("here", "Worker"), ("worker-1", "Nanny")]
    assert made == [(workers, False, "127.0.0.1:0", False, 100, 100, logging.CRITICAL)]
    assert built == []  # the workers, threads of this process here, found the command's
    assert dask.config.get("distributed.worker.profile.enabled") is True
    read = [(tmp_path / n).read_text(encoding="utf-8") for n in ("local.jsonl", "d.jsonl")]
    assert read[0] == read[1] and read[0]
    # the workers left the rows in files for the command to copy in, as a local run's do
    assert "Spooled" in kinds


def test_dask_local_sends_each_partition_to_the_worker_with_fewest_not_decided():
    """The worker in the command's process shares it with the scheduler, the reading and the
    writing: Dask placed partitions where their data was scattered, half to each worker, so
    it fell behind while the worker process waited."""
    from ruleengine.batch.dask_runner import _least_busy

    class Future:
        def __init__(self, done):
            self._done = done

        def done(self):
            return self._done

    busy = {"here": [Future(False), Future(False)], "away": [Future(True), Future(False)]}
    assert _least_busy(busy) == {"workers": ["away"], "allow_other_workers": True}
    assert len(busy["away"]) == 1  # what is decided is forgotten
    assert _least_busy({}) == {}  # a cluster given by its address: Dask's choice


def _dask_files(tmp_path, copies=3):
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(TEXT * copies, encoding="utf-8")
    return ["run", str(cases), "--rules", str(rules)]


def _tree(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_dask_run_stopped_while_parts_are_written_leaves_the_older_folder_whole(
    cluster, tmp_path, monkeypatch
):
    """QA: Ctrl-C during a run into a folder that held an earlier run's dataset left some new
    parts beside old ones, and the old errors file: the parts now go to a temporary folder
    beside OUT, swapped in only at the end; a run stopped leaves the older folder and its
    errors file as they were, and no temporary folder."""
    from ruleengine.batch import commands, dask_runner

    monkeypatch.setattr(dask_runner, "PARTITION_LINES", 4)
    base = _dask_files(tmp_path)
    out = tmp_path / "parts"
    args = [*base, "-o", str(out), "--dask", cluster.scheduler_address]
    assert runner.invoke(app, args).exit_code == EXIT_BAD_FACTS
    (tmp_path / "parts.errors.jsonl").write_text('{"older": true}\n', encoding="utf-8")
    older = _tree(out)
    assert len(older) > 2
    real = commands.Sink.__call__
    calls = []

    def stopped(self, decided):  # Ctrl-C once the first partition's part is written
        real(self, decided)
        calls.append(decided)
        raise KeyboardInterrupt

    monkeypatch.setattr(commands.Sink, "__call__", stopped)
    result = runner.invoke(app, args)
    assert calls and result.exit_code != 0
    assert _tree(out) == older
    assert (tmp_path / "parts.errors.jsonl").read_text(encoding="utf-8") == '{"older": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["toy.rules", "cases.jsonl", "parts", "parts.errors.jsonl"]
    )  # no temporary folder or file left


def test_a_dask_run_replaces_an_older_folder_whole(cluster, tmp_path, monkeypatch):
    """The older run's parts go with it (a run with fewer partitions left the older run's last
    parts beside its own); a folder that holds anything else is refused, untouched (its
    files would have gone with it)."""
    from ruleengine.batch import dask_runner

    base = _dask_files(tmp_path)
    out = tmp_path / "parts"
    args = [*base, "-o", str(out), "--dask", cluster.scheduler_address]
    monkeypatch.setattr(dask_runner, "PARTITION_LINES", 2)
    assert runner.invoke(app, args).exit_code == EXIT_BAD_FACTS
    many = sorted(_tree(out))
    monkeypatch.setattr(dask_runner, "PARTITION_LINES", 1_000)
    assert runner.invoke(app, args).exit_code == EXIT_BAD_FACTS
    assert sorted(_tree(out)) == ["part-000000.parquet"] != many
    assert len(pq.read_table(out / "part-000000.parquet").to_pylist()) > 9
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = _tree(out)
    refused = runner.invoke(app, args)
    assert refused.exit_code == EXIT_USAGE, refused.output
    assert "notes.txt" in refused.output and _tree(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_signals_held_while_outputs_are_put_in_place_act_after():
    """Ctrl-C between putting OUT in place and its errors file would leave the new results
    beside the older errors: held off for the renames, and acted on after them."""
    import os
    import signal

    from ruleengine.stopping import signals_held

    done = []
    with pytest.raises(KeyboardInterrupt):
        with signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("after the signal")
    assert done == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_dask_folder_removed_under_the_run_is_an_io_failure_not_a_bug(
    cluster, tmp_path, monkeypatch
):
    """The temporary folder the workers write their parts to, removed during the run (as a
    clean-up would): exit 2 naming the part that could not be written, not exit 70."""
    import shutil

    from ruleengine.batch import dask_runner

    real = dask_runner.decide_partition

    def removed(spec, options, index, chunk, folder, *rest):
        shutil.rmtree(folder, ignore_errors=True)
        return real(spec, options, index, chunk, folder, *rest)

    monkeypatch.setattr(dask_runner, "decide_partition", removed)
    out = tmp_path / "parts"
    args = [*_dask_files(tmp_path), "-o", str(out), "--dask", cluster.scheduler_address]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "part-000000.parquet: cannot write" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.jsonl", "toy.rules"]
