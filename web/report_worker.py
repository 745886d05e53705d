"""The evaluation report rendered in a child process with a time limit.

WeasyPrint's layout can take minutes on odd input, and a thread cannot be stopped: a request
that timed out would leave the server rendering. A child process can be killed, so each web
report is rendered in one (from a fork server that has WeasyPrint and the report code
imported already, so a child starts in milliseconds), killed when the limit is reached. At
most MAX_CHILDREN render at once; waiting for a free slot counts against the same limit.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import pickle
import threading
import time
import traceback
from multiprocessing.connection import Connection

logger = logging.getLogger(__name__)

# imported once by the fork server, not by each child (and not by the web app itself)
PRELOAD = ["services.reports", "services.report_xlsx", "weasyprint"]
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
        return _run_child(
            (database_url, body_id, year, fmt, now), deadline=deadline, seconds=seconds
        )
    finally:
        _slots.release()


def _run_child(args: tuple[object, ...], *, deadline: float, seconds: float) -> bytes:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, *args), name="kreislauf-report", daemon=True
    )
    process.start()
    sender.close()  # the child holds the writing end: EOF when it dies
    try:
        if not receiver.poll(max(deadline - time.monotonic(), 0)):
            logger.warning("report child %s killed: not done within %g s", process.pid, seconds)
            raise ReportTimeout(seconds)
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise RuntimeError(f"report child {process.pid} ended without a result") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if status == "ok":
        assert isinstance(payload, bytes)
        return payload
    raise payload


def _child(
    sender: Connection, database_url: str, body_id: int, year: int, fmt: str, now: dt.datetime
) -> None:
    """In the child: one engine, one read-only session, the report (or the exception)."""
    try:
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
        sender.send(("ok", data))
    except BaseException as error:
        sender.send(("error", _transferable(error)))
    finally:
        sender.close()


def _transferable(error: BaseException) -> BaseException:
    """`error` itself if it survives pickling, else a RuntimeError with its traceback."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        text = "".join(traceback.format_exception(error))
        return RuntimeError(f"report child failed:\n{text}")
    return error
