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

from ruleengine.cli import EXIT_BAD_FACTS, EXIT_INTERNAL, app

distributed = pytest.importorskip("distributed")
pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
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


# distributed's own: a socket, and port 8787 taken by the module's cluster
@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore:Port 8787")
def test_dask_local_sets_up_its_cluster_for_this_run_only(tmp_path, monkeypatch):
    """``--dask local`` starts a cluster of ``--jobs`` workers with Dask's profiler off and its
    logs short (what grew the processes with the input's size), its workers' log lines
    quiet (Dask's heartbeat tracebacks as the cluster shuts down reached users), leaving
    Dask's settings as they were; the rows are a local run's."""
    import dask

    made = []
    real = distributed.LocalCluster

    def local_cluster(**kwargs):
        made.append(
            (
                kwargs["n_workers"],
                dask.config.get("distributed.worker.profile.enabled"),
                dask.config.get("distributed.admin.log-length"),
                dask.config.get("distributed.admin.low-level-log-length"),
                kwargs.get("silence_logs"),  # no worker's shutdown noise on stderr
            )
        )
        return real(**kwargs, processes=False)  # threads here: the test stays fast

    monkeypatch.setattr(distributed, "LocalCluster", local_cluster)
    rules = tmp_path / "toy.rules"
    rules.write_text(TOY, encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(TEXT, encoding="utf-8")
    base = ["run", str(cases), "--rules", str(rules)]
    local = runner.invoke(app, [*base, "-o", str(tmp_path / "local.jsonl"), "-j", "1"])
    dasked = runner.invoke(
        app, [*base, "-o", str(tmp_path / "d.jsonl"), "--dask", "local", "-j", "2"]
    )
    assert local.exit_code == dasked.exit_code == EXIT_BAD_FACTS, dasked.output
    assert made == [(2, False, 100, 100, logging.CRITICAL)]
    assert dask.config.get("distributed.worker.profile.enabled") is True
    read = [(tmp_path / n).read_text(encoding="utf-8") for n in ("local.jsonl", "d.jsonl")]
    assert read[0] == read[1] and read[0]
