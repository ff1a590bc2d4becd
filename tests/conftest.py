"""Shared fixtures: where the real feeds live, and a real redis-server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """The folder of real feeds.

    ``MAAS_SHARED_DATA`` when set; else ``<repo>/../shared/data``; else, for a clone of a local
    checkout (as CI makes), ``../shared/data`` next to the repository it was cloned from.
    """
    env = os.environ.get("MAAS_SHARED_DATA")
    if env:
        return Path(env) if Path(env).is_dir() else None
    candidates = [REPO.parent / "shared" / "data"]
    origin = _origin_checkout()
    if origin is not None:
        candidates.append(origin.parent / "shared" / "data")
    return next((c for c in candidates if c.is_dir()), None)


def _origin_checkout() -> Path | None:
    """The local folder this repository was cloned from, if its ``origin`` is a local path."""
    import subprocess

    try:
        url = subprocess.run(
            ["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
            capture_output=True, text=True, check=False, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    if not url or "://" in url or ":" in url.split("/")[0]:
        return None
    path = Path(url.removeprefix("file://"))
    return path.resolve() if path.is_dir() else None


def require_shared(*parts: str) -> Path:
    """Path to a file of the shared data folder, or skip the test saying clearly why."""
    base = shared_data_dir()
    if base is None:
        pytest.skip(
            "shared data folder absent: set MAAS_SHARED_DATA to the folder of real feeds "
            "(../shared/data next to the repo)"
        )
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data file absent: {'/'.join(parts)}")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder (skips with a clear message when absent)."""
    return require_shared()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real redis-server: ``REDIS_URL`` when set, else one started on a free port.

    Each xdist worker gets its own database number on a shared server so tests never collide.
    """
    import shutil
    import subprocess
    import time

    url = os.environ.get("REDIS_URL")
    proc = None
    if not url:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server not installed: run `make test` (it installs it)")
        port = _free_port()
        d = tmp_path_factory.mktemp("redis")
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--dir", str(d)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        import redis as redis_lib

        for _ in range(100):
            try:
                redis_lib.Redis.from_url(url).ping()
                break
            except redis_lib.ConnectionError:
                time.sleep(0.05)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    db = 1 + int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 1
    base = url.rsplit("/", 1)[0] if url.count("/") >= 3 else url
    yield f"{base}/{db}"
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """A real, empty Redis database for one test (flushed before and after)."""
    import redis as redis_lib

    client = redis_lib.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.flushdb()
    client.close()


def pytest_configure(config: pytest.Config) -> None:
    """Let the service's ``shared:`` paths (city.toml) see the same folder the tests use."""
    found = shared_data_dir()
    if found is not None and not os.environ.get("MAAS_SHARED_DATA"):
        os.environ["MAAS_SHARED_DATA"] = str(found)
