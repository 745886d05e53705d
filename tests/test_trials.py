"""The fault trials of `bench/trials`, shortened: real dispatcher processes killed with
SIGKILL, an SMTP server that goes down and comes back, two dispatchers at once, a dispatch
that outlives its lease. Each trial counts what the SMTP server received."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_fault_trials_lose_nothing_and_duplicate_only_what_was_in_flight(database: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "trials"),
            "--database",
            database,
            "--crashes",
            "3",
            "--messages",
            "12",
            "--seed",
            "7",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    outcomes = {o["trial"]: o for o in json.loads(done.stdout.strip().splitlines()[-1])}
    assert set(outcomes) == {
        "smtp-down",
        "two-dispatchers",
        "lease-overrun",
        "crash 1",
        "crash 2",
        "crash 3",
    }
    for outcome in outcomes.values():
        assert outcome["expected"] == 12
        assert outcome["delivered"] == 12, outcome
        assert outcome["lost"] == 0, outcome
        assert outcome["duplicated"] <= outcome["in_flight"], outcome
        assert outcome["changed_ids"] == 0, outcome  # a repeat carries its Message-ID
    # where nothing was in flight, nothing may arrive twice; both faults really happened
    for name in ("smtp-down", "two-dispatchers", "lease-overrun"):
        assert outcomes[name]["duplicated"] == 0, outcomes[name]
        assert outcomes[name]["valid"], outcomes[name]
    assert done.returncode == 0, done.stderr[-2000:]
