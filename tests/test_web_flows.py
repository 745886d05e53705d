"""Without a running Prefect server, an administrator's action runs its flow in the web
process (in a thread, after the response), as `kreislauf forum convene` runs it in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.webworld import PASSWORD, Clock, build_world, csrf_of, visible_text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
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

    def forum_runs() -> dict[str, str]:
        """id -> state of the harness's forum runs (other tests run this flow too)."""
        name = FlowRunFilterName(any_=["forum-loerrach-2027"])
        with get_client(sync_client=True) as prefect:
            runs = prefect.read_flow_runs(flow_run_filter=FlowRunFilter(name=name))
        return {str(run.id): run.state.type.value for run in runs}

    before = forum_runs()
    build_world(engine)
    flows = PrefectFlowStarter(database_url, data_dir=tmp_path)  # no server's state file here
    app = create_app(WebSettings(database_url=database_url), clock=Clock(), flows=flows)
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
    new = {run: state for run, state in forum_runs().items() if run not in before}
    assert list(new.values()) == ["COMPLETED"]
