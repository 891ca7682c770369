"""The console entry point (``ruleengine``, ``python -m ruleengine``): Ctrl-C is held from the
first line, before the command line's imports (typer, click, the engine) take about a second.

A sixth QA round: Ctrl-C in that second printed a KeyboardInterrupt traceback from inside the
imports, and once was lost in importlib's module locks. Here SIGINT is only noted while the
command line is imported, then the interrupt ends the command with the documented exit 130 and
one line, as it does once the command runs.
"""

import signal
import sys


def main() -> None:
    held: list[int] = []
    before = signal.getsignal(signal.SIGINT)
    if before is signal.default_int_handler:  # not ignored (``nohup``, a shell's ``&``)
        signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    else:
        before = None
    try:
        from .cli import main as run
    except KeyboardInterrupt:  # raised by a handler not ours
        held.append(signal.SIGINT)
    finally:
        if before is not None:
            signal.signal(signal.SIGINT, before)
    if held:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    run()


if __name__ == "__main__":
    main()
