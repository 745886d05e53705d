"""The evaluation report rendered in a child process with a time limit.

WeasyPrint's layout can take minutes on odd input, and a thread cannot be stopped: a request
that timed out would leave the server rendering. A child process can be killed, so each web
report is rendered by `python -m web.report_worker` (arguments and result pickled through its
stdin and stdout), killed when the limit is reached. A fresh interpreter rather than
multiprocessing: nothing of the server's threads, locks or main module is inherited or
re-imported; it costs the imports (about 2 s) per report. At most MAX_CHILDREN render at once;
waiting for a free slot counts against the same limit.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_CHILDREN = 2  # the deployment's machine has two cores
_slots = threading.BoundedSemaphore(MAX_CHILDREN)


class ReportTimeout(Exception):
    """The report was not rendered within the limit; its child process has been killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"report not rendered within {seconds:g} s")
        self.seconds = seconds


def render_report_limited(
    *, database_url: str, body_id: int, year: int, fmt: str, now: dt.datetime, seconds: float
) -> bytes:
    """`services.reports.render_report` in a child process, killed after `seconds`
    (ReportTimeout); an exception of the child is raised here."""
    deadline = time.monotonic() + seconds
    if not _slots.acquire(timeout=seconds):
        raise ReportTimeout(seconds)
    try:
        request = pickle.dumps((database_url, body_id, year, fmt, now, seconds))
        return _run_child(request, timeout=max(deadline - time.monotonic(), 0.001), limit=seconds)
    finally:
        _slots.release()


def _run_child(request: bytes, *, timeout: float, limit: float) -> bytes:
    # the server's own code first on the child's path, however the server was started
    root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    child = subprocess.Popen(
        [sys.executable, "-m", "web.report_worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": path},
    )
    try:
        out, err = child.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        logger.warning("report child %s killed: not done within %g s", child.pid, limit)
        raise ReportTimeout(limit) from None
    finally:
        if child.poll() is None:  # timed out, or the server thread was interrupted
            child.kill()
            child.communicate()
    try:
        status, payload = pickle.loads(out)
    except Exception:
        tail = err.decode(errors="replace")[-2000:]
        raise RuntimeError(
            f"report child {child.pid} ended ({child.returncode}) without a result:\n{tail}"
        ) from None
    if status == "ok" and isinstance(payload, bytes):
        return payload
    raise payload


def main() -> None:
    """In the child: the request from stdin, one engine, one session, the report (or the
    exception) pickled to stdout; stray prints go to stderr. The child also limits its own
    CPU time to the limit: should the server die before killing it, the kernel stops it."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    try:
        database_url, body_id, year, fmt, now, seconds = pickle.loads(sys.stdin.buffer.read())
        limit_cpu(seconds)
        from models.body import Body
        from models.db import make_engine, session_scope
        from services.reports import render_report

        engine = make_engine(database_url)
        try:
            with session_scope(engine) as session:
                body = session.get_one(Body, body_id)
                data = render_report(session, body, year, fmt, now)
        finally:
            engine.dispose()
        result = pickle.dumps(("ok", data))
    except Exception as error:  # Ctrl-C or a signal ends the child as it would any process
        result = pickle.dumps(("error", _transferable(error)))
    out.write(result)
    out.flush()


def limit_cpu(seconds: float) -> None:
    """At most `seconds` of CPU (never less than the wall-clock limit the server enforces):
    SIGXCPU at the soft limit, SIGKILL a few seconds later."""
    import math
    import resource

    soft = max(math.ceil(seconds), 1)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + 5))


def _transferable(error: BaseException) -> BaseException:
    """`error` itself if it survives pickling, else a RuntimeError with its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        text = "".join(traceback.format_exception(error))
        return RuntimeError(f"report child failed:\n{text}")
    return error


if __name__ == "__main__":
    main()
