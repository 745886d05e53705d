"""The daily reminder sweep and the dispatcher, as flows of their own.

The sweep decides and enqueues (models.reminder_policy, notifications.sweep); the dispatcher
sends what is due in the outbox, retrying failures. Both are services.daily's, as for
`kreislauf tick`; the tasks here only wrap them and log. The sweep runs at 07:00 Europe/Berlin;
the dispatcher every five minutes, so retries do not wait for the next morning.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.runtime import engine, entry_now
from services import daily


@task(name="sweep", cache_policy=NO_CACHE)
def sweep_task(now: dt.datetime) -> dict[str, int]:
    reminded = daily.sweep_reminders(engine(), now=now)
    return {"reminders": reminded.reminders, "messages": reminded.messages}


@task(name="dispatch", cache_policy=NO_CACHE)
def dispatch_task(now: dt.datetime, workers: int = 1) -> dict[str, int]:
    delivered = daily.deliver(engine(), now=now, workers=workers)
    if not delivered.channel:
        get_run_logger().warning(
            "Kein Versandweg eingerichtet (KREISLAUF_EMAIL_URL oder "
            "KREISLAUF_NOTIFY_CONFIG): Nachrichten bleiben im Postausgang."
        )
    for error in delivered.errors:
        get_run_logger().warning("nicht zugestellt: %s", error)
    return {"sent": delivered.sent, "retrying": delivered.retrying, "failed": delivered.failed}


@flow(
    name="reminder-sweep",
    description="Erinnerungen und Eskalationen des Tages festlegen und versenden.",
)
def reminder_sweep(now: dt.datetime | None = None, workers: int = 1) -> dict[str, int]:
    now = entry_now(now)
    return {**sweep_task(now), **dispatch_task(now, workers)}


@flow(name="dispatch", description="Fällige Nachrichten versenden (auch Wiederholungen).")
def dispatch_outbox(now: dt.datetime | None = None, workers: int = 1) -> dict[str, int]:
    """`workers`: dispatcher processes sending at once (one core each)."""
    return dispatch_task(entry_now(now), workers)
