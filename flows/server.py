"""A local Prefect server for `kreislauf serve`, and finding one that runs.

Schedules do not run on Prefect's ephemeral server, so on the embedded default `serve` starts
the full server (API, UI, scheduler) as a subprocess with its SQLite database under the data
directory, and records its address so that other commands (`forum convene`) can use it.
`simulate --prefect` starts a temporary one the same way. Each server runs in a session of
its own and is stopped with its process group, whatever ends the command.
Nothing here imports prefect: the environment must be set before prefect is imported.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
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


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def _signals_held() -> Iterator[set[int | signal.Signals]]:
    """Ctrl-C and SIGTERM wait until the block ends (yields the mask to restore): used around
    starting a server, so that a signal cannot land inside Popen and leave a started server
    nobody knows of. The caller's `try` must enclose the block: the signal fires at its end."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield previous
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _spawn(
    command: list[str], *, env: dict[str, str], log_path: Path, mask: set[int | signal.Signals]
) -> subprocess.Popen[bytes]:
    """Start a server in a session of its own (signal mask `mask`), its output in `log_path`
    (never our stdout: a pipe held by a leftover server keeps `kreislauf ... | grep`
    waiting). Killed with its whole process group by `_stop`; on Linux also when this
    process dies without cleaning up."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_in_child(mask),
        )


def _in_child(mask: set[int | signal.Signals]) -> Callable[[], None]:
    """For the child, before exec: the parent's signal mask back, and on Linux SIGTERM when
    the parent dies (prctl PR_SET_PDEATHSIG). libc is looked up here, in the parent."""
    prctl = None
    if sys.platform == "linux":
        import ctypes

        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None

    def prepare() -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if prctl is not None:
            prctl(1, int(signal.SIGTERM))

    return prepare


def _stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Terminate the server's process group, then kill it if it does not go in `grace` s.
    A second Ctrl-C meanwhile waits until the group is gone."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        process.poll()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _wait_healthy(
    process: subprocess.Popen[bytes],
    api_url: str,
    timeout: float,
    what: str,
    see: Callable[[], str],
) -> None:
    """Until the server answers; a German error (with `see()`: where to look) when it ends
    or does not answer within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not healthy(api_url):
        if process.poll() is not None:
            raise ServerError(f"{what} ist beim Start beendet worden{see()}.")
        if time.monotonic() > deadline:
            raise ServerError(f"{what} antwortet nach {timeout:g} s nicht{see()}.")
        time.sleep(0.25)


def _last_line(log_path: Path) -> str:
    """The log's last line, for a log that is deleted with its temporary directory."""
    try:
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return f" (zuletzt: {lines[-1].strip()[:200]})" if lines else ""


class ServerError(KreislaufError):
    """A Prefect server did not start: a problem of the machine, not of the input."""

    exit_code = 1


def _uvicorn(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "prefect.server.api.server:create_app",
        "--host",
        host,
        "--port",
        str(port),
    ]


TEMPORARY_STARTUP_TIMEOUT = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"


def startup_timeout(default: float = 90.0) -> float:
    """Seconds a temporary server may take to start: prefect's setting for its own ephemeral
    server, if set, so that one knob bounds both."""
    try:
        return float(os.environ[TEMPORARY_STARTUP_TIMEOUT])
    except (KeyError, ValueError):
        return default


@contextmanager
def temporary_server(home: Path, *, startup_timeout: float) -> Iterator[str]:
    """A Prefect API server for one command (no UI, no scheduler, its database under `home`):
    yields its API URL; stopped, with every process it started, when the block ends, also on
    a start time-out, an error or Ctrl-C."""
    home.mkdir(parents=True, exist_ok=True)
    host = "127.0.0.1"
    port = free_port(host)
    api_url = f"http://{host}:{port}/api"
    log_path = home / "server.log"
    process = None
    try:
        with _signals_held() as mask:
            process = _spawn(
                _uvicorn(host, port),
                env={
                    **os.environ,
                    "PREFECT_HOME": str(home),
                    "PREFECT_API_URL": api_url,
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                    "PREFECT_UI_ENABLED": "false",
                    "PREFECT__SERVER_EPHEMERAL": "1",  # the services a flow run needs, no more
                    "PREFECT__SERVER_FINAL": "1",
                    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
                    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
                },
                log_path=log_path,
                mask=mask,
            )
        _wait_healthy(
            process,
            api_url,
            startup_timeout,
            "Der temporäre Prefect-Server",
            lambda: _last_line(log_path),
        )
        yield api_url
    finally:
        if process is not None:
            _stop(process)


@contextmanager
def local_server(
    data_dir: Path, *, host: str, port: int, startup_timeout: float = 120.0
) -> Iterator[str]:
    """Start `prefect server` (uvicorn, full app) and yield its API URL; stop it afterwards."""
    if not _port_free(host, port):
        raise KreislaufError(
            f"{host}:{port} ist belegt; bitte einen anderen Port wählen.", field="port"
        )
    environment = prefect_environment(data_dir)
    Path(environment["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    api_url = f"http://{host}:{port}/api"
    log_path = Path(environment["PREFECT_HOME"]) / "server.log"
    state_file = data_dir / STATE_FILE
    process = None
    try:
        with _signals_held() as mask:
            process = _spawn(
                _uvicorn(host, port),
                env={
                    **os.environ,
                    **environment,
                    "PREFECT_API_URL": api_url,
                    "PREFECT_UI_API_URL": api_url,
                },
                log_path=log_path,
                mask=mask,
            )
        _wait_healthy(
            process, api_url, startup_timeout, "Der Prefect-Server", lambda: f"; siehe {log_path}"
        )
        state_file.write_text(json.dumps({"api_url": api_url, "pid": process.pid}))
        yield api_url
    finally:
        state_file.unlink(missing_ok=True)
        if process is not None:
            _stop(process, grace=20.0)
