"""`kreislauf serve` on the embedded default: a real local Prefect server with the UI, every
deployment served with its schedule, and Ctrl-C stops both cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_deployments(api_url: str) -> list[dict]:  # type: ignore[type-arg]
    request = urllib.request.Request(
        f"{api_url}/deployments/filter",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_serve_starts_a_local_server_serves_deployments_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    kreislauf = str(Path(sys.executable).with_name("kreislauf"))
    env = {
        **os.environ,
        "KREISLAUF_DATA_DIR": str(tmp_path / "data"),
        "KREISLAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'kreislauf.db'}",
    }
    for name in ("PREFECT_API_URL", "PREFECT_HOME"):
        env.pop(name, None)
    subprocess.run([kreislauf, "init"], env=env, check=True, capture_output=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = (tmp_path / "serve.log").open("w+")
    # started the way a background job of a script inherits it: with SIGINT ignored
    process = subprocess.Popen(
        [kreislauf, "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deployments: list[dict] = []  # type: ignore[type-arg]
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and len(deployments) < 8:
            assert process.poll() is None, Path(log.name).read_text()
            time.sleep(1)
            try:
                deployments = read_deployments(api_url)
            except OSError:
                continue
        names = {d["name"] for d in deployments}
        assert {"daily", "convene", "manual"} <= names, Path(log.name).read_text()
        daily = next(d for d in deployments if d["name"] == "daily")
        schedule = daily["schedules"][0]["schedule"]
        assert (schedule["cron"], schedule["timezone"]) == ("0 6 * * *", "Europe/Berlin")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as ui:
            assert ui.status == 200  # the Prefect UI comes with the server
        state = json.loads((tmp_path / "data" / "prefect-server.json").read_text())
        assert state["api_url"] == api_url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()  # leave no server behind, then fail
            raise
    output = Path(log.name).read_text()
    assert code == 0, output
    assert f"Prefect-Oberfläche: http://127.0.0.1:{port}" in output
    assert "kreislauf serve beendet" in output
    assert not (tmp_path / "data" / "prefect-server.json").exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{api_url}/health", timeout=2)
