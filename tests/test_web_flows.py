"""Without a running Prefect server, an administrator's action runs its flow in the web
process (in a thread, after the response), as `kreislauf forum convene` runs it in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.webworld import MARCH_16, PASSWORD, Clock, build_world, csrf_of, visible_text


def test_convening_without_a_server_runs_the_forum_flow_here(
    database_url: str,
    engine: sa.Engine,
    loerrach,  # type: ignore[no-untyped-def]
    prefect_harness: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from web.app import create_app
    from web.flows import PrefectFlowStarter
    from web.settings import WebSettings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # the harness is in-process

    def forum_runs() -> dict[str, tuple[str, Any]]:
        """id -> state and `now` of the harness's forum runs (other tests run this flow too)."""
        name = FlowRunFilterName(any_=["forum-loerrach-2027"])
        with get_client(sync_client=True) as prefect:
            runs = prefect.read_flow_runs(flow_run_filter=FlowRunFilter(name=name))
        return {str(run.id): (run.state.type.value, run.parameters.get("now")) for run in runs}

    before = forum_runs()
    build_world(engine)
    flows = PrefectFlowStarter(database_url, data_dir=tmp_path)  # no server's state file here
    clock = Clock()
    app = create_app(WebSettings(database_url=database_url), clock=clock, flows=flows)
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    client.post(
        "/login", data={"username": "verwaltung", "password": PASSWORD, "csrf_token": token}
    )
    response = client.post(
        "/admin/convene",
        data={
            "year": "2027",
            "reason": "Neue Vorgaben",
            "csrf_token": csrf_of(client.get("/admin").text),
        },
    )
    assert "läuft jetzt auf diesem Server" in visible_text(response.text)
    assert flows.thread is not None
    flows.thread.join(timeout=120)
    assert not flows.thread.is_alive()
    new = [state for run, state in forum_runs().items() if run not in before]
    assert len(new) == 1
    state, at = new[0]
    assert state == "COMPLETED"
    assert pendulum.parse(at) == clock.at  # the decision's instant, not the wall clock


def test_a_decision_in_an_async_route_starts_its_flow_on_the_server(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload route is async: starting the flow there must not get Prefect's coroutine
    (run_deployment dispatches on a running event loop) but a flow run on the server."""
    import asyncio
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    from web.flows import PrefectFlowStarter

    api_url = PREFECT_API_URL.value()
    monkeypatch.setenv("PREFECT_API_URL", api_url)  # restored afterwards: the starter sets it
    with get_client(sync_client=True) as prefect:
        flow_id = prefect.create_flow_from_name("forum")
        deployment_id = prefect.create_deployment(flow_id=flow_id, name="convene")
    flows = PrefectFlowStarter("sqlite://", data_dir=tmp_path)

    async def route() -> str:
        return flows._on_server("forum", api_url, body="loerrach", year=2027, at=MARCH_16)

    note = asyncio.run(route())
    assert "ist auf dem Prefect-Server gestartet" in note
    with get_client(sync_client=True) as prefect:
        run = prefect.read_flow_run(UUID(note.rsplit("/", 1)[1]))
    assert run.deployment_id == deployment_id
    assert run.parameters.keys() == {"body", "year", "now"}
    assert (run.parameters["body"], run.parameters["year"]) == ("loerrach", 2027)
    assert pendulum.parse(run.parameters["now"]) == MARCH_16  # the decision's instant
