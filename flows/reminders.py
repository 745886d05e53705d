"""The daily reminder sweep and the dispatcher, as flows of their own.

The sweep decides and enqueues (models.reminder_policy, notifications.sweep); the dispatcher
sends what is due in the outbox, retrying failures. The sweep runs at 07:00 Europe/Berlin;
the dispatcher every five minutes, so retries do not wait for the next morning.
"""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from config.settings import Settings
from flows.runtime import engine, entry_now
from models.db import session_scope
from notifications.channels import channels_from
from notifications.digests import group_digests
from notifications.dispatcher import dispatch
from notifications.sweep import sweep


@task(name="sweep", cache_policy=NO_CACHE)
def sweep_task(now: dt.datetime) -> dict[str, int]:
    with session_scope(engine()) as session:
        report = sweep(session=session, now=now)
    return {"reminders": report.reminders, "messages": report.messages}


@task(name="dispatch", cache_policy=NO_CACHE)
def dispatch_task(now: dt.datetime, workers: int = 1) -> dict[str, int]:
    settings = Settings()
    channels = channels_from(settings)
    group_digests(engine(), now)  # the day's digests are in the outbox even without a channel
    if not channels.describe():  # nothing to send with: keep the outbox, do not burn attempts
        get_run_logger().warning(
            "Kein Versandweg eingerichtet (KREISLAUF_EMAIL_URL oder "
            "KREISLAUF_NOTIFY_CONFIG): Nachrichten bleiben im Postausgang."
        )
        return {"sent": 0, "retrying": 0, "failed": 0}
    report = dispatch(
        engine=engine(),
        channels=channels,
        now=now,
        base_url=settings.base_url,
        processes=workers,  # processes, each claiming batches of its own
    )
    for error in report.errors:
        get_run_logger().warning("nicht zugestellt: %s", error)
    return {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}


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
