"""Compiled rulebooks kept on disk: a command does not parse, check and generate code again for
rule files it has already compiled.

What is kept, in one file for each rulebook: the checked tree (the rulebook without its
functions, which are the plugins' and are taken from them again) and the code of every program
generated so far (``codegen.Saved``: the compiled code, its constants, the functions it calls),
added as programs are generated.

The key is a hash of everything the result depends on: the cache's format, the engine (its
version and the size and time of each of its files, so that an edited checkout is not trusted
with an older result), Python's version (compiled code is in Python's own format), the plugin
set (each plugin's name, distribution and version, and its files likewise; the types and
functions they register) and the rulebook: its name and every source, name and text. A
changed source is another key, so a cached result is never used for it.

Safety. The file is a pickle, and loading a pickle can run code: it is read only from a
folder of this user's own (``~/.cache/ruleengine/compiled`` or ``$XDG_CACHE_HOME``; created
0700, refused if another user owns it or others may write to it), only from a regular file of
this user's that no one else may write, and only when its HMAC-SHA256, keyed with a random
secret kept in that folder (0600), matches: a file written by anyone without the secret, a
truncated or corrupt one, or one made for another key, is not unpickled but rebuilt. Any
failure to read or write the cache is silent: the rulebook is compiled as if there were none.

``RULEENGINE_CACHE=0`` turns the cache off; ``RULEENGINE_CACHE_DIR`` puts it elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import stat
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import attrs

#: Changes whenever what is kept, or how, changes.
FORMAT = 1
MAGIC = b"ruleengine compiled rulebook 1\n"
#: A cache file larger than this is not read (a rulebook of 2 MB of text keeps about 60 MB).
MAX_BYTES = 512 * 1024 * 1024
#: At most this many rulebooks are kept; the least recently written go first.
MAX_FILES = 64
SUFFIX = ".rulebook"


def folder() -> Path | None:
    """The cache folder, made if need be, or None when there is none safe to use."""
    if os.environ.get("RULEENGINE_CACHE", "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    if not hasattr(os, "getuid"):
        return None  # no owner to check (Windows): no cache
    custom = os.environ.get("RULEENGINE_CACHE_DIR")
    if custom:
        path = Path(custom)
    else:
        from ruleengine_dsl.parser import cache_home

        path = Path(cache_home(), "ruleengine", "compiled")
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return path


def _secret(where: Path) -> bytes | None:
    """This user's key for the files' HMAC, made on first use."""
    path = where / "secret"
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
    f = _opened(path)
    if f is None:
        return None
    with f:
        secret = f.read(64)
    return secret if len(secret) == 32 else None


def _private(info: os.stat_result) -> bool:
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def _opened(path: Path):
    """``path`` open for reading if it is a regular file this user alone can write, else None:
    a folder, a FIFO (which would block the open or the read for ever), a link or another
    user's file in its place is no cache (a seventh QA round: exit 70 or a hang)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        if _private(os.fstat(fd)):
            return os.fdopen(fd, "rb")
    except OSError:
        pass
    os.close(fd)
    return None


def _files_state(paths: list[str]) -> list[tuple[str, int, int]]:
    """The size and time of every file of the given packages' folders (sources and data)."""
    out = []
    for root in paths:
        for folder_, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            for name in sorted(files):
                if name.endswith((".py", ".lark")):
                    try:
                        info = os.stat(os.path.join(folder_, name))
                    except OSError:
                        continue
                    out.append((os.path.join(folder_, name), info.st_size, info.st_mtime_ns))
    return out


def _package_folder(module_name: str) -> str | None:
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if not file:
        return None
    return os.path.dirname(file) if file.endswith("__init__.py") else file


def key(name: str, sources: list[tuple[str, str]], pm) -> str:
    """The cache key of a rulebook: see the module's docstring."""
    import ruleengine
    import ruleengine_dsl

    from .plugins import registered_functions, registered_types

    h = hashlib.sha256()

    def add(*parts: Any) -> None:
        for part in parts:
            data = part if isinstance(part, bytes) else repr(part).encode("utf-8", "replace")
            h.update(len(data).to_bytes(8, "big"))
            h.update(data)

    add(FORMAT, ruleengine.__version__, sys.version, sys.implementation.cache_tag)
    engine = [os.path.dirname(ruleengine.__file__), os.path.dirname(ruleengine_dsl.__file__)]
    add(_files_state(engine))
    plugins = []
    for plugin_name, info in sorted(pm.info.items()):
        where = _package_folder(info.module) if info.module else None
        files = _files_state([where]) if where and os.path.isdir(where) else []
        if where and os.path.isfile(where):
            files = _files_state([os.path.dirname(where)])
        plugins.append((plugin_name, info.module, info.distribution, info.version, files))
    add(plugins)
    types = registered_types(pm)
    add(sorted((n, repr(t)) for n, t in types.items()))
    add(sorted(registered_functions(pm)))
    add(name, len(sources))
    for source_name, text in sources:
        add(source_name, text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@attrs.define
class Entry:
    """A rulebook's place in the cache: what was found there, and what to add to it."""

    path: Path
    key: str
    secret: bytes
    rulebook: Any = None  # the checked rulebook, with its functions again; None: not cached
    functions: tuple[str, ...] = ()
    programs: dict[tuple[int, str], Any] = attrs.Factory(dict)  # (epoch, place) -> Saved
    lock: threading.Lock = attrs.Factory(threading.Lock)

    def saved(self, epoch: int) -> dict[str, Any]:
        """The programs kept for one period, by place."""
        return {place: s for (i, place), s in self.programs.items() if i == epoch}

    def keep_rulebook(self, rulebook) -> None:
        self.rulebook = rulebook
        self.functions = tuple(rulebook.functions)
        self._write()

    def keep_program(self, epoch: int, place: str, saved) -> None:
        if self.rulebook is None:
            return
        with self.lock:
            self.programs[(epoch, place)] = saved
            self._write()

    def _write(self) -> None:
        """The whole entry, written to a new file then moved into place: a reader sees the
        old file or the new one, never half of one. Nothing is kept if anything fails."""
        bare = attrs.evolve(self.rulebook, functions={})  # the plugins' own: not kept
        payload = {"key": self.key, "rulebook": bare, "functions": self.functions}
        payload["programs"] = self.programs
        try:
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - something a plugin made that cannot be kept
            return
        digest = hmac.new(self.secret, self.key.encode() + data, hashlib.sha256).digest()
        try:
            fd, tmp = tempfile.mkstemp(prefix=".write-", dir=self.path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + digest + data)
            os.replace(tmp, self.path)
        except OSError:
            try:
                os.unlink(tmp)
            except (OSError, UnboundLocalError):
                pass
            return
        _prune(self.path.parent)


def _prune(where: Path) -> None:
    try:
        files = sorted(where.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime)
        for old in files[:-MAX_FILES]:
            old.unlink()
    except OSError:
        pass


def open_entry(name: str, sources: list[tuple[str, str]], pm) -> Entry | None:
    """The cache entry of a rulebook, with what was kept for it if it can be trusted; None
    when there is no cache to be had."""
    where = folder()
    if where is None:
        return None
    secret = _secret(where)
    if secret is None:
        return None
    k = key(name, sources, pm)
    entry = Entry(where / f"{k[:32]}{SUFFIX}", k, secret)
    payload = _read(entry)
    if payload is None:
        return entry
    from .plugins import registered_functions

    functions = registered_functions(pm)
    names = tuple(payload["functions"])
    if payload.get("key") != k or not set(names) <= set(functions):
        return entry
    rulebook = payload["rulebook"]
    rulebook.functions = {n: functions[n] for n in names}
    entry.rulebook, entry.functions = rulebook, names
    entry.programs = dict(payload["programs"])
    return entry


def _read(entry: Entry) -> dict | None:
    """The entry's payload, or None: no file, not this user's own, too large, or not
    carrying the HMAC of this key."""
    f = _opened(entry.path)
    if f is None:
        return None
    with f:
        if os.fstat(f.fileno()).st_size > MAX_BYTES:
            return None
        data = f.read(MAX_BYTES + 1)
    head = len(MAGIC) + 32
    if len(data) <= head or not data.startswith(MAGIC):
        return None
    digest, body = data[len(MAGIC) : head], data[head:]
    expected = hmac.new(entry.secret, entry.key.encode() + body, hashlib.sha256).digest()
    if not hmac.compare_digest(digest, expected):
        return None
    try:
        # Trusted: written by this user's own engine (the HMAC), for this very key.
        payload = pickle.loads(body)  # noqa: S301
    except Exception:  # noqa: BLE001 - a class that has moved since: rebuilt
        return None
    return payload if isinstance(payload, dict) else None
