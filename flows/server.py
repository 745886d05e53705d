"""A local Prefect server for `kreislauf serve`, and finding one that runs.

Schedules do not run on Prefect's ephemeral server, so on the embedded default `serve` starts
the full server (API, UI, scheduler) as a subprocess with its SQLite database under the data
directory, and records its address so that other commands (`forum convene`) can use it.
Nothing here imports prefect: the environment must be set before prefect is imported.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models.errors import KreislaufError

STATE_FILE = "prefect-server.json"


def prefect_environment(data_dir: Path) -> dict[str, str]:
    """Defaults for this machine: PREFECT_HOME under the data directory, no telemetry."""
    return {
        "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(data_dir / "prefect")),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def running_api_url(data_dir: Path) -> str | None:
    """PREFECT_API_URL if set, else the server a `kreislauf serve` left running, else None."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    url = state.get("api_url")
    return url if url and healthy(url) else None


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@contextmanager
def local_server(
    data_dir: Path, *, host: str, port: int, startup_timeout: float = 120.0
) -> Iterator[str]:
    """Start `prefect server` (uvicorn, full app) and yield its API URL; stop it afterwards."""
    if not _port_free(host, port):
        raise KreislaufError(f"--port: {host}:{port} ist belegt; bitte einen anderen Port wählen.")
    environment = prefect_environment(data_dir)
    Path(environment["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    api_url = f"http://{host}:{port}/api"
    log_path = Path(environment["PREFECT_HOME"]) / "server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                host,
                "--port",
                str(port),
            ],
            env={
                **os.environ,
                **environment,
                "PREFECT_API_URL": api_url,
                "PREFECT_UI_API_URL": api_url,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    state_file = data_dir / STATE_FILE
    try:
        deadline = time.monotonic() + startup_timeout
        while not healthy(api_url):
            if process.poll() is not None:
                raise KreislaufError(
                    f"Der Prefect-Server ist beim Start beendet worden; siehe {log_path}."
                )
            if time.monotonic() > deadline:
                raise KreislaufError(
                    f"Der Prefect-Server antwortet nach {startup_timeout:.0f} s "
                    f"nicht; siehe {log_path}."
                )
            time.sleep(0.5)
        state_file.write_text(json.dumps({"api_url": api_url, "pid": process.pid}))
        yield api_url
    finally:
        state_file.unlink(missing_ok=True)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
