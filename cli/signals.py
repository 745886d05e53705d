"""Stopping long-running commands (`serve`, `web`) on Ctrl-C and SIGTERM.

Both commands need it; here so that neither command module imports the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import FrameType

STOPPING: list[int] = []  # the signals received by `serve` and `web`


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop `serve` and `web` cleanly, even when started with SIGINT ignored
    (a background job of a non-interactive shell inherits that)."""
    import signal

    def stop(signum: int, frame: FrameType | None) -> None:
        STOPPING.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
