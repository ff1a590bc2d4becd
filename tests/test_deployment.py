"""Deployment files: docker-compose topology, the README's two commands, CI calling `make test`."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def test_compose_topology() -> None:
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = doc["services"]
    assert {"api", "worker", "redis", "build"} <= set(services)
    assert "snapshots" in doc["volumes"]
    assert any(v.startswith("snapshots:") and v.endswith(":ro") for v in services["api"]["volumes"])
    assert services["api"]["environment"]["MAAS_REDIS_URL"].startswith("redis://")
    assert services["worker"]["command"][:2] == ["maas", "worker"]
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        for dep in svc.get("depends_on", {}):
            assert dep in services, (name, dep)
    assert services["api"]["depends_on"]["build"]["condition"] == "service_completed_successfully"


def test_readme_has_exactly_two_setup_commands() -> None:
    text = (REPO / "README.md").read_text()
    block = text.split("## Set-up: two commands", 1)[1].split("```", 2)[1]
    commands = [ln.split("#")[0].strip() for ln in block.splitlines()[1:] if ln.strip()]
    assert commands == ["make run", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test\s*$", ci, re.M)
