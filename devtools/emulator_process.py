"""Run the emulator as a separate process (`python -m vocu_emulator`) for the demo and e2e."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Sequence


@contextlib.asynccontextmanager
async def running_emulator(
    *, port: int = 0, extra_args: Sequence[str] = (), startup_timeout: float = 60.0
) -> AsyncIterator[str]:
    """Start the emulator on loopback and yield its base URL; stop it on exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vocu_emulator",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra_args,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), startup_timeout)
        base_url = line.decode().strip()
        if not base_url.startswith("http"):
            raise RuntimeError(f"the emulator did not start (said {base_url!r})")
        yield base_url
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()
