"""A real service on a loopback port for a test (a browser, a client that disconnects),
started in a thread and stopped when the test is done; a case too big for a URL."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


@contextlib.contextmanager
def live_server(app):
    """``http://127.0.0.1:PORT`` of ``app`` served by uvicorn in a thread."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # Listening before the server's thread starts: a client that connects while the thread
    # is still starting (a loaded machine) waits in the backlog instead of being refused.
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:  # a server that cannot start fails here, saying so
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the test's service did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def big_ccdi_case(acts: int) -> dict:
    """A ccdi official's case with many kickbacks, each described (in Chinese, 9 bytes a
    character in a URL): 40 acts are more than a URL can carry."""
    return {
        "name": "县卫健局采购科长己",
        "decided_on": "2024-09-02",
        "improper_benefit_losses": True,
        "acts": [
            {
                "id": f"K{i} 收受医疗器械供应商回扣（第{i}笔）",
                "kind": "kickbacks",
                "amount": "3000",
                "gravity": "serious",
                "acted_on": "2024-07-04",
                "state_functionary": True,
            }
            for i in range(acts)
        ],
    }
