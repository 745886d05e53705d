"""`kreislauf simulate`: in-process on the shared loop by default (no Prefect), and with
--prefect a temporary Prefect server that never outlives the command. That both paths play
the same year is checked in tests/test_flows.py, under the Prefect test harness."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import Cli

KREISLAUF = str(Path(sys.executable).with_name("kreislauf"))


def marked(marker: str) -> list[int]:
    """Processes whose environment carries `marker` (inherited by everything they start)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def servers(marker: str) -> list[int]:
    """The marked processes that are a Prefect server (uvicorn ... prefect.server...)."""
    found = []
    for pid in marked(marker):
        try:
            if b"prefect.server" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            continue
    return found


@pytest.fixture
def marker(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A unique environment for one `kreislauf` subprocess; whatever carries the marker
    afterwards is a leftover (killed here, so that a failing test leaks nothing either)."""
    value = f"kreislauf-test-{uuid.uuid4().hex}"
    env = {
        key: item
        for key, item in os.environ.items()
        if key not in ("PREFECT_API_URL", "KREISLAUF_DATABASE_URL")
    }
    env |= {
        "KREISLAUF_TEST_MARKER": value,
        "KREISLAUF_DATA_DIR": str(tmp_path / "data"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    yield value, env
    for pid in marked(value):
        os.kill(pid, signal.SIGKILL)


def test_a_server_start_time_out_is_one_german_line_and_leaves_no_process(marker) -> None:  # type: ignore[no-untyped-def]
    value, env = marker
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "1"
    result = subprocess.run(
        [KREISLAUF, "simulate", "2027", "--prefect", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Fehler: Der temporäre Prefect-Server antwortet nach 1 s nicht")
    assert "Traceback" not in result.stderr
    assert marked(value) == []


def test_ctrl_c_while_the_server_starts_stops_it(marker) -> None:  # type: ignore[no-untyped-def]
    value, env = marker
    process = subprocess.Popen(
        [KREISLAUF, "simulate", "2027", "--prefect", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as in a terminal: a test run started in the background of a shell without
        # job control ignores SIGINT, and its children would inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not servers(value) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert servers(value), "the temporary Prefect server did not start"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, (stdout[-500:], stderr[-3000:])
    assert stdout == "" and "Traceback" not in stderr
    assert stderr.strip() == "Fehler: Simulation abgebrochen (Strg-C); nichts behalten."
    assert marked(value) == []


def test_the_default_runs_in_process_without_prefect_and_keeps_the_database(
    tmp_path: Path, marker
) -> None:  # type: ignore[no-untyped-def]
    _, env = marker
    kept = tmp_path / "simulation-2027.db"
    code = (
        "import sys\n"
        "from cli.main import main\n"
        f"sys.argv = ['kreislauf', 'simulate', '2027', '--json', '--keep', {str(kept)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "assert 'prefect' not in sys.modules, 'the simulation imported prefect'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.lstrip().startswith("[")
    assert f"Datenbank behalten: {kept}" in result.stderr
    status = Cli(f"sqlite:///{kept}")("status", "2027")
    assert status.exit_code == 0, status.output
    assert "Kreislauf abgeschlossen" in status.stdout
    size = kept.stat().st_size
    again = Cli(f"sqlite:///{tmp_path / 'unused.db'}")(
        "simulate", "2027", "--keep", str(kept), env={"KREISLAUF_DATA_DIR": str(tmp_path)}
    )
    assert again.exit_code == 2
    assert "--keep:" in again.stderr and "gibt es schon" in again.stderr
    assert kept.stat().st_size == size
