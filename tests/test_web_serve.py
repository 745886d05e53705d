"""`kreislauf serve --web`: the web dashboard beside the served deployments. An administrator's
convening starts the forum flow on that Prefect server, and SIGTERM stops everything cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx

from tests.test_serve import free_port

PASSWORD = "richtig-geheim-2027"


def wait_for(check, seconds: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what}: nach {seconds:.0f} s nicht erreicht")


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def flow_run_state(api_url: str, run_id: str) -> str | None:
    with urllib.request.urlopen(f"{api_url}/flow_runs/{run_id}", timeout=5) as response:
        return (json.loads(response.read()).get("state") or {}).get("type")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_kreislauf_web_answers_on_its_port_and_stops_on_sigterm(tmp_path: Path) -> None:
    kreislauf = str(Path(sys.executable).with_name("kreislauf"))
    env = {**os.environ, "KREISLAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'kreislauf.db'}"}
    subprocess.run([kreislauf, "init"], env=env, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [kreislauf, "web", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/login"), 60, "kreislauf web")
        page = httpx.get(f"http://127.0.0.1:{port}/login").text
        assert '<html lang="de">' in page and "Anmelden" in page
        assert httpx.get(f"http://127.0.0.1:{port}/api/cycles").status_code == 401
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert f"Weboberfläche: http://127.0.0.1:{port}/" in output
    assert "kreislauf web beendet." in output


def test_serve_with_web_starts_the_forum_flow_on_its_server_and_stops_on_sigterm(
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
    year = str(time.localtime().tm_year + 1)  # next year's forum window is still ahead
    for command in (["init"], ["cycle", "create", year]):
        subprocess.run([kreislauf, *command], env=env, check=True, capture_output=True)
    subprocess.run(
        [kreislauf, "user", "add", "verwaltung", "--role", "admin", "--password-stdin"],
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    port, web_port = free_port(), free_port()
    api_url, web_url = f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{web_port}"
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(
        [kreislauf, "serve", "--port", str(port), "--web", "--web-port", str(web_port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: answers(f"{web_url}/login"), 120, "Weboberfläche")
        client = httpx.Client(base_url=web_url, follow_redirects=True, timeout=60)
        client.post(
            "/login",
            data={
                "username": "verwaltung",
                "password": PASSWORD,
                "csrf_token": csrf(client.get("/login").text),
            },
        )
        response = client.post(
            "/admin/convene",
            data={
                "year": year,
                "reason": "Neue Vorgaben",
                "csrf_token": csrf(client.get("/admin").text),
            },
        )
        match = re.search(
            r"auf dem Prefect-Server gestartet: \S+/runs/flow-run/([0-9a-f-]+)", response.text
        )
        assert match, response.text
        wait_for(lambda: flow_run_state(api_url, match.group(1)) == "COMPLETED", 90, "Forum-Flow")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
    assert f"Weboberfläche: {web_url}/" in output
    assert "kreislauf serve beendet." in output
