"""Reading rule files: regular files only, a bounded read, no link that leaves the folder.

A FIFO or a device named as a rule file must be refused before it is read (it would block
forever, or never end); a ``*.rules`` link inside a rules folder that points outside it must be
an error naming the link and its target, not a file silently read from elsewhere.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import ruleengine
from ruleengine import DiagnosticError, loader

RULES = (
    "input items: count = 0\n"
    "conclusion c: value bool\n"
    "rule r { cite article 1 then c = items > 1 }\n"
)


def load_error(*paths) -> list:
    with pytest.raises(DiagnosticError) as info:
        ruleengine.load_paths(list(paths))
    return info.value.diagnostics


def only(diags, code="E004"):
    assert [d.code for d in diags] == [code], [d.render() for d in diags]
    return diags[0]


@pytest.fixture
def book(tmp_path) -> Path:
    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "main.rules").write_text(RULES, encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.rules").write_text("input secret: count\n", encoding="utf-8")
    return folder


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_before_it_is_read():
    d = only(load_error("/dev/zero"))
    assert d.file == "/dev/zero"
    assert d.message == "not a regular file: a character device"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("inside_folder", [False, True])
def test_a_fifo_is_refused_and_does_not_block(book, inside_folder):
    fifo = book / "pipe.rules"
    os.mkfifo(fifo)
    found = []
    # A daemon thread, so that a regression fails the test instead of hanging the run.
    worker = threading.Thread(
        target=lambda: found.append(load_error(book if inside_folder else fifo)), daemon=True
    )
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "reading a FIFO blocked"
    d = only(found[0])
    assert d.file == str(fifo)
    assert d.message == "not a regular file: a named pipe (FIFO)"


def test_a_file_over_the_limit_is_refused(book, monkeypatch):
    monkeypatch.setattr(loader, "MAX_RULE_FILE_BYTES", 100)
    big = book / "big.rules"
    big.write_text("# " + "x" * 1000 + "\n" + RULES, encoding="utf-8")
    d = only(load_error(big))
    assert (d.file, d.message) == (str(big), "larger than 100 bytes")


def test_the_read_is_bounded_whatever_the_file_claims(book, monkeypatch):
    """At most one byte past the limit is asked for, so an endless file cannot grow memory."""
    monkeypatch.setattr(loader, "MAX_RULE_FILE_BYTES", 100)
    asked = []
    real_fdopen = os.fdopen

    class Spy:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def fileno(self):
            return self.f.fileno()

        def read(self, n=-1):
            asked.append(n)
            return self.f.read(n)

    monkeypatch.setattr(loader.os, "fdopen", lambda fd, mode: Spy(real_fdopen(fd, mode)))
    big = book / "big.rules"
    big.write_text("#" * 10_000, encoding="utf-8")
    only(load_error(big))
    assert asked == [101]


def test_a_link_to_a_rule_file_outside_the_folder_is_an_error(book):
    link = book / "evil.rules"
    link.symlink_to(book.parent / "outside" / "secret.rules")
    d = only(load_error(book))
    assert d.file == str(link)
    assert str((book.parent / "outside" / "secret.rules").resolve()) in d.message
    assert "outside the folder" in d.message and "not followed" in d.message


def test_a_link_to_a_folder_outside_is_an_error(book):
    (book / "sub").mkdir()
    link = book / "sub" / "elsewhere"
    link.symlink_to(book.parent / "outside", target_is_directory=True)
    d = only(load_error(book))
    assert d.file == str(link)
    assert str((book.parent / "outside").resolve()) in d.message


def test_links_inside_the_folder_are_read_once_and_cycles_do_not_loop(book):
    (book / "alias.rules").symlink_to(book / "main.rules")  # the same file twice
    (book / "sub").mkdir()
    (book / "sub" / "up").symlink_to(book, target_is_directory=True)  # a cycle
    assert loader.rule_files(book) == [book / "main.rules"]
    assert list(ruleengine.load_paths([book]).rulebook.rules) == ["r"]


def test_a_link_named_on_the_command_line_is_followed(book):
    link = book.parent / "named.rules"
    link.symlink_to(book / "main.rules")
    assert list(ruleengine.load_paths([link]).rulebook.rules) == ["r"]


def test_every_unreadable_file_is_reported_together(book):
    (book / "a.rules").write_bytes(b"\xff\xfe not utf-8")
    (book / "b.rules").write_bytes(b"\xff\xfe not utf-8")
    diags = load_error(book)
    assert [(Path(d.file).name, d.message) for d in diags] == [
        ("a.rules", "not UTF-8 text"),
        ("b.rules", "not UTF-8 text"),
    ]


def test_an_empty_file_among_others_is_an_error(book):
    (book / "later.rules").write_text("# to be written\n", encoding="utf-8")
    d = only(load_error(book), "E214")
    assert (d.span.file, d.span.line, d.span.column) == (str(book / "later.rules"), 1, 1)


def test_a_folder_that_cannot_be_listed_is_not_skipped(book, monkeypatch):
    locked = book / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path="."):  # as a folder without read permission answers (root is exempt)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    d = only(load_error(book))
    assert (d.file, d.message) == (str(locked), "cannot read (Permission denied)")


def test_a_folder_of_too_many_entries_is_refused_not_walked_to_its_end(tmp_path, monkeypatch):
    """A seventh QA round: ``check /`` walked the whole file system. A rules folder holds at
    most 100,000 files and folders, all levels together (here 5): E004 naming the folder."""
    from ruleengine import loader

    monkeypatch.setattr(loader, "MAX_FOLDER_ENTRIES", 5)
    for i in range(3):
        (tmp_path / f"d{i}").mkdir()
        (tmp_path / f"d{i}" / "a.rules").write_text("input x: count\n", encoding="utf-8")
    with pytest.raises(DiagnosticError) as err:
        loader.rule_files(tmp_path)
    [d] = err.value.diagnostics
    assert (d.code, d.file) == ("E004", str(tmp_path))
    assert d.message.startswith("more than 5 files and folders under it")
    monkeypatch.setattr(loader, "MAX_FOLDER_ENTRIES", 6)
    assert len(loader.rule_files(tmp_path)) == 3
