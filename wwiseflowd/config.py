"""Configuration: one TOML file validated by pydantic models, with every default in one place.

Lookup order: ``--config`` > ``WWISEFLOWD_CONFIG`` > the user config dir > the site config dir >
built-in defaults. Unknown keys are errors; every error names the file and the dotted key path.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

APP_NAME = "wwiseflowd"
CONFIG_FILENAME = "wwiseflowd.toml"
ENV_CONFIG = "WWISEFLOWD_CONFIG"
DEFAULT_WAAPI_URL = "ws://127.0.0.1:8080/waapi"
DEFAULT_TARGET = "\\Actor-Mixer Hierarchy\\Default Work Unit"
DEFAULT_BUS = "\\Master-Mixer Hierarchy\\Default Work Unit\\Master Audio Bus"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class WwiseConfig(_Section):
    """How to reach Wwise Authoring (or the emulator)."""

    url: str = DEFAULT_WAAPI_URL
    connect_timeout: float = Field(5.0, gt=0, description="Seconds to wait for the WAMP session.")
    call_timeout: float = Field(60.0, gt=0, description="Seconds before one WAAPI call is abandoned.")
    import_chunk_size: int = Field(100, ge=1, le=10_000, description="Files per audio.import call.")
    reconnect_max_delay: float = Field(30.0, gt=0, description="Upper bound of the reconnect backoff.")


class ServerConfig(_Section):
    """The REST API served by ``wwiseflowd run``."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)
    token: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    allowed_roots: list[Path] = Field(default_factory=list)
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024)


class StoreConfig(_Section):
    """The embedded store holding the idempotency memo, the run ledger and the drop journal."""

    backend: Literal["sqlite"] = "sqlite"
    filename: str = "wwiseflowd.sqlite3"


class PathsConfig(_Section):
    """Directories. Defaults come from platformdirs."""

    state_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_state_dir(APP_NAME)))
    logs_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_log_dir(APP_NAME)))
    workflows_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_config_dir(APP_NAME)) / "workflows"
    )
    plugins_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_config_dir(APP_NAME)) / "plugins"
    )

    @field_validator("*", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()


class LoggingConfig(_Section):
    """Diagnostic logging (the audit log is separate)."""

    level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    json_file: bool = Field(True, description="The daemon also writes rotating JSON lines to logs_dir.")
    rotation: str = "20 MB"
    retention: str = "14 days"


class PluginsConfig(_Section):
    """Which plugins load. Names are plugin names as ``wwiseflowd plugins`` shows them."""

    allow: list[str] | None = Field(None, description="If set, only these non-built-in plugins load.")
    block: list[str] = Field(default_factory=list)


class EngineConfig(_Section):
    """Runner behaviour."""

    max_parallel: int = Field(4, ge=1, le=64)
    retries: int = Field(3, ge=0, le=20, description="Retries for transient errors only.")
    retry_base_ms: int = Field(200, ge=1)
    retry_max_ms: int = Field(5_000, ge=1)
    step_timeout_s: float = Field(300.0, gt=0)
    rollback: bool = True


class WatchConfig(_Section):
    """One drop folder (``[[watch]]``)."""

    folder: Path
    target: str = DEFAULT_TARGET
    workflow: str = "auto-import"
    patterns: list[str] = Field(default_factory=lambda: ["*.wav", "*.WAV"])
    recursive: bool = True
    settle_ms: int = Field(1500, ge=0)
    batch_window_ms: int = Field(1000, ge=0)
    polling: bool = False
    poll_interval_s: float = Field(5.0, gt=0)
    rescan_interval_s: float = Field(120.0, gt=0)
    on_success: Literal["move", "delete", "leave"] = "move"
    on_failure: Literal["move", "leave"] = "move"
    processed_dir: str = "processed"
    failed_dir: str = "failed"
    on_name_conflict: Literal["replace_audio", "rename", "fail"] = "replace_audio"
    originals_subfolder: str = "{relative_dir}"
    language: str = "SFX"
    variation_pattern: str | None = r"^(?P<base>.+?)[_ -](?P<index>\d{1,3})$"
    mirror_subfolders: bool = True
    output_bus: str | None = None
    properties: dict[str, float | int | bool | str] = Field(default_factory=dict)
    create_events: bool = False
    event_target: str = "\\Events\\Default Work Unit"
    save_after_batch: bool = True
    provenance_notes: bool = True

    @field_validator("folder", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()


class Settings(_Section):
    """The whole effective configuration."""

    wwise: WwiseConfig = Field(default_factory=WwiseConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    paths: PathsConfig = Field(default_factory=PathsConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    plugins: PluginsConfig = Field(default_factory=PluginsConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    watch: list[WatchConfig] = Field(default_factory=list)

    @property
    def store_path(self) -> Path:
        """The SQLite file of the embedded store."""
        return self.paths.state_dir / self.store.filename


class ConfigError(Exception):
    """A configuration file is missing, unreadable or invalid. The message is for the user."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


class LoadedConfig(BaseModel):
    """Settings plus where they came from (for ``wwiseflowd config show``)."""

    settings: Settings
    source: Path | None = None
    #: dotted key -> origin ("default" or the file path)
    origins: dict[str, str] = Field(default_factory=dict)


def candidate_paths() -> list[Path]:
    """Config files looked for, in order, after ``--config`` and ``WWISEFLOWD_CONFIG``."""
    return [
        Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILENAME,
        Path(platformdirs.site_config_dir(APP_NAME)) / CONFIG_FILENAME,
    ]


def find_config(explicit: Path | str | None = None) -> Path | None:
    """The config file to use, or None for built-in defaults. An explicit path must exist."""
    if explicit is not None:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser()
    for path in candidate_paths():
        if path.is_file():
            return path
    return None


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts (and lists of tables) as ``{"dotted.key[0].x": value}``."""
    if isinstance(data, dict):
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(data, list) and data and all(isinstance(i, dict) for i in data):
        flat = {}
        for index, item in enumerate(data):
            flat.update(flatten(item, f"{prefix}[{index}]"))
        return flat
    return {prefix: data}


def parse_settings(data: dict[str, Any], source: str) -> Settings:
    """Validate raw TOML data; raise ConfigError naming ``source`` and each dotted key."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = _dotted(err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append(f"{key}: unknown key (check the spelling; see config/wwiseflowd.toml)")
            elif err["type"] == "missing":
                problems.append(f"{key}: required key is missing")
            else:
                problems.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError(source, problems) from None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a ConfigError naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read file: {exc.strerror}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None


def load_config(explicit: Path | str | None = None) -> LoadedConfig:
    """Find, read and validate the configuration."""
    path = find_config(explicit)
    if path is None:
        settings = Settings()
        defaults = flatten(settings.model_dump(mode="json"))
        return LoadedConfig(settings=settings, origins=dict.fromkeys(defaults, "default"))
    raw = read_toml(path)
    settings = parse_settings(raw, str(path))
    from_file = set(flatten(raw))
    origins = {
        key: (str(path) if key in from_file else "default")
        for key in flatten(settings.model_dump(mode="json"))
    }
    return LoadedConfig(settings=settings, source=path, origins=origins)


def settings_for_tests(tmp: Path, **sections: Any) -> Settings:
    """Settings rooted in a temporary directory (used by tests and by the pytest plugin)."""
    data: dict[str, Any] = {
        "paths": {
            "state_dir": str(tmp / "state"),
            "logs_dir": str(tmp / "logs"),
            "workflows_dir": str(tmp / "workflows"),
            "plugins_dir": str(tmp / "plugins"),
        }
    }
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name] = {**data[name], **value}
        else:
            data[name] = value
    return parse_settings(data, "<tests>")


__all__ = [
    "ConfigError",
    "LoadedConfig",
    "Settings",
    "WatchConfig",
    "find_config",
    "load_config",
    "parse_settings",
    "settings_for_tests",
]
