"""A throwaway PostgreSQL cluster for the session, for every test directory that needs one.

(The bot's settings tests and the loopback Discord's two-process test share one cluster.)
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _install_postgres() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "postgresql"], check=True, env=env, capture_output=True
    )


def _random_port() -> int:
    # No probe socket: the test harness blocks sockets in session fixtures. A port that turns out
    # to be taken makes pg_ctl fail to start, and the fixture tries another one.
    return random.randint(20000, 60000)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (installed with apt when running as root)."""
    is_root = os.geteuid() == 0
    binaries = _postgres_binaries()
    if binaries is None and is_root:
        _install_postgres()
        binaries = _postgres_binaries()
    if binaries is None:
        reason = (
            "POSTGRESQL LEG SKIPPED: no /usr/lib/postgresql/*/bin/pg_ctl and not root, so it "
            "cannot be installed; run as root or `apt-get install postgresql` to test it"
        )
        print(f"\n{'!' * 20} {reason} {'!' * 20}", file=sys.stderr)
        pytest.skip(reason)
    # initdb refuses to run as root: run the cluster as the `postgres` OS user instead.
    run_as: list[str] = []
    if is_root:
        runuser = shutil.which("runuser")
        run_as = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-c"]
    # Not under pytest's 0700 temp root: the `postgres` user must be able to reach the directory.
    base = Path(tempfile.mkdtemp(prefix="vocu-test-pg-"))
    data = base / "data"
    if is_root:
        shutil.chown(base, "postgres")

    def run(*command: str) -> None:
        args = [*run_as, *command] if run_as[:1] != ["su"] else [*run_as, " ".join(command)]
        subprocess.run(args, check=True, capture_output=True, cwd=base)

    run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
    for attempt in range(5):
        port = _random_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
        try:
            run(
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-l",
                str(base / "log"),
                "start",
            )
            break
        except subprocess.CalledProcessError:
            if attempt == 4:
                raise
    try:
        run(
            str(binaries / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "vocu_test",
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/vocu_test"
    finally:
        run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
