"""Service settings, from the environment (prefix PLANNER_) or a .env file, with embedded defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything the service reads at start; the defaults need no other service than a local file."""

    model_config = SettingsConfigDict(env_prefix="PLANNER_", env_file=".env", extra="ignore", frozen=True)

    # A SQLite file in the working directory by default; a postgresql+psycopg:// URL for PostgreSQL.
    database_url: str = "sqlite:///planner.db"
    keys_file: Path = Path("planner-keys.json")
    body_limit_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    workers: int = Field(default=1, ge=1)
    default_time_limit: float = Field(default=60.0, gt=0)
    max_time_limit: float = Field(default=3600.0, gt=0)
    # How often a worker looks for queued jobs and cancellation requests, in seconds.
    poll_seconds: float = Field(default=0.25, gt=0)
