"""Service settings from the environment (prefix ``MAAS_``); invalid values fail loudly."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
#: The bundled Timisoara city, served when no bundle is given.
DEFAULT_BUNDLE = REPO_ROOT / "bundles" / "timisoara"


class SettingsError(ValueError):
    """A ``MAAS_*`` environment variable has an invalid value (the message names it)."""


class Settings(BaseSettings):
    """Deployment settings; every field can be set as ``MAAS_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="MAAS_", extra="ignore", frozen=True)

    bundle: Path = Field(DEFAULT_BUNDLE, description="City bundle folder to serve.")
    snapshot_dir: Path | None = Field(
        None, description="Snapshot root (default: <bundle>/.snapshots)."
    )
    redis_url: str | None = Field(None, description="Redis URL; unset = embedded live store.")
    routing_threads: int = Field(2, ge=1, le=64, description="Threads running searches.")
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    anonymous_rate_per_min: int = Field(60, ge=1)
    key_rate_per_min: int = Field(600, ge=1)
    warmup: bool = Field(True, description="Run warm-up queries before /readyz reports ready.")
    log_level: str = Field("INFO")
    realtime: bool = Field(True, description="Embedded: replay/poll realtime feeds in-process.")

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"must start with redis://, rediss:// or unix:// (got {v!r})")
        return v

    @property
    def snapshot_root(self) -> Path:
        """Folder holding the snapshot versions and ``CURRENT``."""
        return self.snapshot_dir or (self.bundle / ".snapshots")


def load_settings(**overrides: object) -> Settings:
    """Build :class:`Settings` from the environment; raise :class:`SettingsError` naming the key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            key = "MAAS_" + "_".join(str(x) for x in err["loc"]).upper()
            parts.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings: " + "; ".join(parts)) from None
