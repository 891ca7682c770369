"""The disk cache of compiled rulebooks: used when it holds this very rulebook, rebuilt when a
source changed, when the file is corrupt or not written with this user's secret, or when it
comes from another version; and what comes out of it decides and explains alike."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

import ruleengine
from ruleengine import codegen, diskcache, loader

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "examples" / "quickstart" / "article5.rules"
DAY = datetime.date(2018, 3, 1)
FACTS = {"sensitive_items": 60, "important_items": 120, "illegal_gain": "3200.50"}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "compiled"
    monkeypatch.setenv("RULEENGINE_CACHE_DIR", str(folder))
    checked = []
    real = loader.check_sources

    def counting(*args, **kwargs):
        checked.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "check_sources", counting)
    return folder, checked


def rules_file(tmp_path, text=None) -> Path:
    path = tmp_path / "article5.rules"
    path.write_text(text if text is not None else QUICKSTART.read_text("utf-8"), "utf-8")
    return path


def outcome(book):
    trace = book.explain(FACTS, DAY)
    return repr(book.decide(FACTS, DAY)), trace.to_json()


def test_a_second_load_comes_from_the_cache_and_agrees(tmp_path, cache, monkeypatch):
    folder, checked = cache
    path = rules_file(tmp_path)
    first = ruleengine.load_paths([path])
    expected = outcome(first)  # generates both programs, kept as they are made
    assert len(checked) == 1
    again = ruleengine.load_paths([path])
    assert len(checked) == 1  # not checked again
    assert again.cache.rulebook is again.rulebook
    assert {place for _, place in again.cache.programs} == {"fast", "explain"}
    # The programs come from the cache's compiled code: none is generated again.
    monkeypatch.setattr(codegen._Gen, "program", None)
    assert outcome(again) == expected
    assert again.epoch(DAY).explain.source == first.epoch(DAY).explain.source
    files = [p for p in folder.iterdir() if p.suffix == diskcache.SUFFIX]
    assert len(files) == 1 and files[0].stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700


def test_a_changed_source_is_checked_again(tmp_path, cache):
    _, checked = cache
    path = rules_file(tmp_path)
    ruleengine.load_paths([path])
    assert ruleengine.load_paths([path]).decide({"sensitive_items": 45}, DAY).conclusions == {
        "level": "none"
    }
    text = QUICKSTART.read_text("utf-8").replace(
        "sensitive_items >= 50 *", "sensitive_items >= 40 *"
    )
    path.write_text(text, "utf-8")
    book = ruleengine.load_paths([path])
    assert len(checked) == 2
    assert book.decide({"sensitive_items": 45}, DAY).conclusions == {"level": "serious"}


def test_a_corrupt_file_is_rebuilt_not_read(tmp_path, cache):
    folder, checked = cache
    path = rules_file(tmp_path)
    expected = outcome(ruleengine.load_paths([path]))
    (kept,) = folder.glob(f"*{diskcache.SUFFIX}")
    data = bytearray(kept.read_bytes())
    data[len(data) // 2] ^= 0xFF
    kept.write_bytes(bytes(data))
    book = ruleengine.load_paths([path])
    assert len(checked) == 2 and outcome(book) == expected
    kept.write_bytes(kept.read_bytes()[:100])  # cut short
    assert outcome(ruleengine.load_paths([path])) == expected and len(checked) == 3


def test_a_file_not_written_with_this_users_secret_is_not_read(tmp_path, cache):
    folder, checked = cache
    path = rules_file(tmp_path)
    ruleengine.load_paths([path])
    (folder / "secret").write_bytes(os.urandom(32))  # as if another had written the file
    ruleengine.load_paths([path])
    assert len(checked) == 2


def test_another_version_is_rebuilt(tmp_path, cache, monkeypatch):
    _, checked = cache
    path = rules_file(tmp_path)
    ruleengine.load_paths([path])
    monkeypatch.setattr(ruleengine, "__version__", "999.0")
    ruleengine.load_paths([path])
    assert len(checked) == 2
    monkeypatch.setattr(diskcache, "FORMAT", diskcache.FORMAT + 1)
    ruleengine.load_paths([path])
    assert len(checked) == 3


def test_a_folder_others_may_write_is_not_used(tmp_path, cache):
    folder, checked = cache
    path = rules_file(tmp_path)
    ruleengine.load_paths([path])
    folder.chmod(0o777)
    book = ruleengine.load_paths([path])
    assert len(checked) == 2 and book.cache is None
    folder.chmod(0o700)


def test_the_cache_can_be_turned_off(tmp_path, cache, monkeypatch):
    _, checked = cache
    monkeypatch.setenv("RULEENGINE_CACHE", "0")
    path = rules_file(tmp_path)
    assert ruleengine.load_paths([path]).cache is None
    ruleengine.load_paths([path])
    assert len(checked) == 2


def test_shipped_rulebooks_agree_from_the_cache(cache):
    from ruleengine.plugins import get_plugin_manager, rule_sources

    _, checked = cache
    pm = get_plugin_manager()
    day = datetime.date(2024, 9, 2)
    for name, (_, source) in rule_sources(pm).items():
        fresh = ruleengine.load_paths(list(source.paths), name=name, pm=pm)
        fresh.epoch(day).fast.program()
        fresh.epoch(day).explain.program()
        cached = ruleengine.load_paths(list(source.paths), name=name, pm=pm)
        assert cached.cache.rulebook is cached.rulebook
        # The programs too (ccdi's hold its lighter blocks' choosers, made again on loading).
        assert {place for _, place in cached.cache.programs} == {"fast", "explain"}, name
        for facts in ({}, {"acts": []} if name == "ccdi" else {"credit_items": 60}):
            if name == "ccdi":
                facts = dict(facts, decided_on="2024-09-02")
            assert repr(cached.decide(facts, day)) == repr(fresh.decide(facts, day))
            assert cached.explain(facts, day).to_json() == fresh.explain(facts, day).to_json()
    assert len(checked) == 2


def test_the_law_in_time_explains_alike_from_the_cache(tmp_path):
    """A ``lighter`` block evaluates the case again on another day through the program's
    typed entry: a program made from the cache must keep it (a ccdi act before a revision)."""
    import subprocess
    import sys

    case = ROOT / "examples" / "ccdi" / "act_before_revision.json"
    script = Path(sys.executable).parent / "ruleengine"  # the installed command
    command = [str(script), "explain", "-r", "ccdi", str(case), "-f", "json"]

    def run(**env):
        env = {**os.environ, "RULEENGINE_CACHE_DIR": str(tmp_path / "compiled"), **env}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    uncached = run(RULEENGINE_CACHE="0")
    assert '"lighter_law"' in uncached and '"applied"' in uncached
    assert run() == uncached  # generated, and kept
    assert list((tmp_path / "compiled").glob("*.rulebook"))
    assert run() == uncached  # from the cache


@pytest.mark.parametrize("what", ["entry", "secret"])
@pytest.mark.parametrize("made", ["folder", "fifo"])
def test_an_entry_or_secret_that_is_no_regular_file_is_no_cache(tmp_path, what, made):
    """A seventh QA round: a folder in place of an entry or of the secret was exit 70
    (IsADirectoryError), a FIFO as the secret blocked every command for ever. Each is no
    cache now: the rules are checked and decide as they would (in a process of its own, so
    that a hang is a failure, not a stuck suite)."""
    import subprocess
    import sys

    if made == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    folder = tmp_path / "compiled"
    path = rules_file(tmp_path)
    env = {**os.environ, "RULEENGINE_CACHE_DIR": str(folder)}
    load = f"import ruleengine; print(ruleengine.load_paths([{str(path)!r}]).rulebook.name)"
    first = subprocess.run([sys.executable, "-c", load], env=env, capture_output=True, timeout=120)
    assert first.returncode == 0, first.stderr
    (entry,) = folder.glob(f"*{diskcache.SUFFIX}")
    target = entry if what == "entry" else folder / "secret"
    target.unlink()
    target.mkdir() if made == "folder" else os.mkfifo(target)
    again = subprocess.run([sys.executable, "-c", load], env=env, capture_output=True, timeout=60)
    assert (again.returncode, again.stdout) == (0, first.stdout), again.stderr


def test_a_fifo_in_place_of_the_grammars_cache_is_not_read(tmp_path):
    """The same for Lark's analysed grammar (a FIFO there blocked every command)."""
    import subprocess
    import sys

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "RULEENGINE_CACHE": "0"}
    where = "from ruleengine_dsl.parser import GRAMMAR, _cache_file; "
    where += "print(_cache_file(GRAMMAR.read_text(encoding='utf-8')))"
    found = subprocess.run([sys.executable, "-c", where], env=env, capture_output=True, text=True)
    grammar_cache = Path(found.stdout.strip())
    assert grammar_cache.parent == tmp_path / "ruleengine", found.stderr
    os.mkfifo(grammar_cache)
    parse = "from ruleengine_dsl.parser import parse; print(len(parse('input x: count').decls))"
    done = subprocess.run([sys.executable, "-c", parse], env=env, capture_output=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, b"1\n"), done.stderr


def test_a_relative_xdg_cache_home_is_ignored(tmp_path):
    """A seventh QA round: ``XDG_CACHE_HOME=relative/dir`` made ``./relative/dir`` in the
    working folder; the XDG spec says a relative value is ignored (``~/.cache`` instead)."""
    import subprocess
    import sys

    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "RULEENGINE_CACHE_DIR"}
    env.update(XDG_CACHE_HOME="relative/dir", HOME=str(home), RULEENGINE_CACHE="1")
    load = f"import ruleengine; ruleengine.load_paths([{str(QUICKSTART)!r}])"
    done = subprocess.run([sys.executable, "-c", load], cwd=work, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert list(work.iterdir()) == []
    assert (home / ".cache" / "ruleengine" / "compiled").is_dir()
