"""Every deployment with its schedule, declared here once, for `serve` and for work pools.

The daily tick (`annual-cycle/daily`, 06:00 Europe/Berlin) is the only schedule the cycle
needs: phase dates are data in the database, acted on by that tick (Prefect schedules at most
about 100 days ahead). Reminders: the sweep at 07:00, the dispatcher every five minutes, each
one run at a time.
The daily's shards (`annual-cycle-shard/shard`) are runs of a deployment of their own, so
that every worker of a pool takes some (flows.annual_cycle). The phase flows are deployments
too, to be run by hand; `forum/convene` is the form an administrator fills in (body, year,
reason) in the Prefect UI.
Entry points are module paths, so a worker with kreislauf installed can run them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

from flows.annual_cycle import annual_cycle, annual_cycle_shard
from flows.council import council_sync
from flows.evaluation import evaluation
from flows.forum import forum, retreat
from flows.planning import budget_resolution, planning
from flows.reminders import dispatch_outbox, reminder_sweep
from flows.resolution import resolution
from flows.survey import survey

if TYPE_CHECKING:
    from uuid import UUID

    from prefect.deployments.runner import RunnerDeployment

TIMEZONE = "Europe/Berlin"
DAILY_TICK = "0 6 * * *"
REMINDER_SWEEP = "0 7 * * *"
DISPATCH = "*/5 * * * *"
COUNCIL_SYNC = "30 5 * * *"  # before the 06:00 tick, which then sees the moved deadlines
TAGS = ["kreislauf"]
# the deployments that send: one run at a time; a run due while one is still sending is
# cancelled (the next one comes five minutes later) rather than queued behind it
ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)


def deployments() -> list[RunnerDeployment]:
    module = EntrypointType.MODULE_PATH
    scheduled = [
        annual_cycle.to_deployment(
            name="daily",
            schedules=[Cron(DAILY_TICK, timezone=TIMEZONE)],
            description="Täglich 06:00 (Europe/Berlin): alle Kreisläufe abgleichen.",
            tags=TAGS,
            entrypoint_type=module,
        ),
        reminder_sweep.to_deployment(
            name="daily",
            schedules=[Cron(REMINDER_SWEEP, timezone=TIMEZONE)],
            description="Täglich 07:00 (Europe/Berlin): Erinnerungen festlegen und versenden.",
            concurrency_limit=ONE_AT_A_TIME,
            tags=TAGS,
            entrypoint_type=module,
        ),
        dispatch_outbox.to_deployment(
            name="every-5-minutes",
            schedules=[Cron(DISPATCH, timezone=TIMEZONE)],
            description="Alle 5 Minuten: fällige Nachrichten und Wiederholungen versenden.",
            concurrency_limit=ONE_AT_A_TIME,
            tags=TAGS,
            entrypoint_type=module,
        ),
        council_sync.to_deployment(
            name="every-morning",
            schedules=[Cron(COUNCIL_SYNC, timezone=TIMEZONE)],
            description="Täglich 05:30 (Europe/Berlin): Sitzungstermine aus dem "
            "Ratsinformationssystem (OParl) übernehmen, wo eine Schnittstelle eingerichtet ist.",
            concurrency_limit=ONE_AT_A_TIME,
            tags=TAGS,
            entrypoint_type=module,
        ),
        forum.to_deployment(
            name="convene",
            description="Forum Zukunftsstrategie einberufen: Körperschaft (body), Jahr und "
            "Anlass (reason) angeben.",
            tags=TAGS,
            entrypoint_type=module,
        ),
    ]
    shard = annual_cycle_shard.to_deployment(
        name="shard",
        description="Ein Shard des täglichen Abgleichs; vom Lauf annual-cycle/daily gestartet, "
        "je Shard ein Lauf, den ein Worker des Pools übernimmt.",
        tags=TAGS,
        entrypoint_type=module,
    )
    manual = [
        phase_flow.to_deployment(
            name="manual", description=phase_flow.description, tags=TAGS, entrypoint_type=module
        )
        for phase_flow in (evaluation, survey, retreat, resolution, planning, budget_resolution)
    ]
    # called from sync code only, where Prefect's to_deployment returns the deployment itself
    # (typed as that or a coroutine, for the event loop it would dispatch to)
    return cast("list[RunnerDeployment]", [*scheduled, shard, *manual])


def serve_all() -> None:
    """Serve every deployment in this process until Ctrl-C (or SIGTERM)."""
    from prefect import serve

    serve(*deployments(), print_starting_message=False)


def deploy_to_pool(work_pool: str) -> list[str]:
    """Register the deployments with a work pool on the configured Prefect server."""
    from prefect import deploy

    ids = cast(  # sync code: the ids, not a coroutine (see `deployments`)
        "list[UUID]",
        deploy(
            *deployments(),
            work_pool_name=work_pool,
            build=False,
            push=False,
            print_next_steps_message=False,
            ignore_warnings=True,
        ),
    )
    return [str(identifier) for identifier in ids]
