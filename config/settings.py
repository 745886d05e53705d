"""Settings from the environment (`KREISLAUF_*`) with the embedded defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

SHIPPED_BODIES = Path(__file__).parent / "bodies"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("kreislauf", appauthor=False))


class Settings(BaseSettings):
    """`KREISLAUF_DATABASE_URL`, `KREISLAUF_BODY`, `KREISLAUF_DATA_DIR`,
    `KREISLAUF_NOTIFY_CONFIG`, `KREISLAUF_EMAIL_URL`, `KREISLAUF_BASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="KREISLAUF_", extra="ignore")

    database_url: str | None = None
    body: str | None = None
    data_dir: Path | None = None
    # notifications: an apprise config file (YAML/text) with tagged URLs, a mailto URL
    # template for personal e-mail (the recipient is added), the web address for task links
    notify_config: Path | None = None
    email_url: str | None = None
    base_url: str | None = None

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir or default_data_dir()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{self.resolved_data_dir / 'kreislauf.db'}"


def normalise_database_url(url: str) -> str:
    """`postgresql://...` means psycopg 3 here; everything else is taken as given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
