"""Shared fixtures: where the real feeds live, and a real redis-server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """The folder of real feeds (env ``MAAS_SHARED_DATA``, else ``<repo>/../shared/data``)."""
    env = os.environ.get("MAAS_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


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
