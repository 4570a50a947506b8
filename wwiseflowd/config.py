"""Configuration: one TOML file validated by pydantic models, with every default in one place.

Lookup order: ``--config`` > ``WWISEFLOWD_CONFIG`` > the user config dir > the site config dir >
built-in defaults. Unknown keys are errors; every error names the file and the dotted key path.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

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
    connect_timeout: float = Field(default=5.0, gt=0, description="Seconds to wait for the WAMP session.")
    call_timeout: float = Field(default=60.0, gt=0, description="Seconds before one WAAPI call is abandoned.")
    import_chunk_size: int = Field(
        default=100, ge=1, le=10_000,
        description="Files in the first audio.import call of a batch (in every call when the budget is 0).",
    )
    import_call_budget_s: float = Field(
        default=2.0, ge=0,
        description="Seconds one audio.import call may keep Wwise busy; the calls after the first are "
        "sized to take about half of it (0: every call has import_chunk_size files).",
    )
    reconnect_max_delay: float = Field(
        default=30.0, gt=0, description="Upper bound of the reconnect backoff."
    )

    @model_validator(mode="after")
    def _budget_within_timeout(self) -> WwiseConfig:
        if self.import_call_budget_s < self.call_timeout:
            return self
        if "import_call_budget_s" not in self.model_fields_set:  # the default, under a short timeout
            object.__setattr__(self, "import_call_budget_s", self.call_timeout / 2)
        else:
            raise ValueError(
                f"import_call_budget_s ({self.import_call_budget_s:g}) must be under call_timeout "
                f"({self.call_timeout:g}): a call that long is abandoned"
            )
        return self


class ServerConfig(_Section):
    """The REST API served by ``wwiseflowd run``."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    token: str | None = None
    cors_origins: list[str] = Field(default_factory=list)
    #: Host names (besides loopback and the bound host) the API answers to; see docs/rest.md
    allowed_hosts: list[str] = Field(default_factory=list)
    allowed_roots: list[Path] = Field(default_factory=list)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)


class StoreConfig(_Section):
    """The store holding the idempotency memo and the run ledger (the drop journal stays in SQLite).

    ``backend = "sqlite"`` (one machine) keeps them in ``filename`` under the state dir;
    ``backend = "redis"`` keeps them in the Redis at ``url`` so several daemons share them
    (docs/fleet.md).
    """

    backend: Literal["sqlite", "redis"] = "sqlite"
    filename: str = "wwiseflowd.sqlite3"
    url: str | None = Field(
        default=None,
        description='Redis URL when backend = "redis": redis://host:6379/0, rediss:// for TLS.',
    )
    password: str | None = Field(default=None, description="Redis password (instead of one in the url).")
    ca_file: Path | None = Field(default=None, description="rediss://: CA bundle that signed the server.")
    key_prefix: str = Field(
        default="wwiseflowd", min_length=1, description="Prefix of every Redis key (one per fleet)."
    )
    memo_scope: Literal["host", "fleet"] = Field(
        default="host",
        description='Who shares memo entries on Redis: daemons on one host, or the whole "fleet" '
                    "(only when every daemon drives the same Wwise project copy).",
    )

    @model_validator(mode="after")
    def _redis_needs_url(self) -> StoreConfig:
        if self.backend == "redis":
            if not self.url:
                raise ValueError('backend = "redis" needs url = "redis://host:6379/0" (rediss:// for TLS)')
            if self.url.split("://", 1)[0] not in ("redis", "rediss", "unix"):
                where = self.url.split("@")[-1]
                raise ValueError(f"url {where!r} is not a redis://, rediss:// or unix:// URL")
        return self


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
    json_file: bool = Field(
        default=True, description="The daemon also writes rotating JSON lines to logs_dir."
    )
    rotation: str = "20 MB"
    retention: str = "14 days"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class PluginsConfig(_Section):
    """Which plugins load. Names are plugin names as ``wwiseflowd plugins`` shows them."""

    allow: list[str] | None = Field(default=None, description="If set, only these non-built-in plugins load.")
    block: list[str] = Field(default_factory=list)


class EngineConfig(_Section):
    """Runner behaviour."""

    max_parallel: int = Field(default=4, ge=1, le=64)
    retries: int = Field(default=3, ge=0, le=20, description="Retries for transient errors only.")
    retry_base_ms: int = Field(default=200, ge=1)
    retry_max_ms: int = Field(default=5_000, ge=1)
    step_timeout_s: float = Field(default=300.0, gt=0)
    rollback: bool = True


class RetentionConfig(_Section):
    """How long records are kept (``[retention]``); a limit of 0 keeps those records for ever.

    Applied by the daemon in the background (every ``interval_s``) and by ``wwiseflowd prune``.
    Nothing an open execution or crash recovery still needs is removed (see docs/audit.md).
    """

    audit_days: int | None = Field(default=365, ge=0, description="Keep audit day files this long.")
    audit_max_mb: float | None = Field(
        default=None, gt=0, description="Also drop the oldest audit files while log + blobs exceed this."
    )
    memo_days: int | None = Field(default=90, ge=0, description="Forget idempotency memo entries this old.")
    ledger_days: int | None = Field(default=180, ge=0, description="Forget finished executions this old.")
    journal_days: int | None = Field(
        default=30, ge=0, description="Forget finished drop-journal rows this old (files gone from the drop)."
    )
    interval_s: float = Field(default=3600.0, ge=10, description="Seconds between the daemon's prunes.")


class WatchConfig(_Section):
    """One drop folder (``[[watch]]``)."""

    folder: Path
    name: str | None = Field(
        default=None, description="Rule id in status and the journal (default: the folder)."
    )
    target: str = DEFAULT_TARGET
    workflow: str = "auto-import"
    patterns: list[str] = Field(default_factory=lambda: ["*.wav", "*.WAV"])
    recursive: bool = True
    settle_ms: int = Field(1500, ge=0)
    batch_window_ms: int = Field(1000, ge=0)
    batch_max_files: int = Field(default=2000, ge=1, description="Files per batch (one run, one undo group).")
    incomplete_timeout_s: float = Field(
        default=60.0,
        gt=0, description="A WAV still incomplete but unchanged this long is failed as truncated."
    )
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
    dry_run: bool = Field(
        False, description="Run the workflow on a read-only copy of dry_run_project and log what it would "
        "change (report in <state_dir>/dry-runs/); Wwise is not touched."
    )
    dry_run_project: Path | None = Field(None, description="The .wproj (or its folder) dry runs use.")
    shared: bool = Field(
        False, description="Several daemons watch this folder (a network share): each file is claimed in the "
        "fleet's Redis and imported by one of them (needs [store] backend = \"redis\" and the same name on "
        "every daemon; docs/fleet.md)."
    )

    @field_validator("folder", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @model_validator(mode="after")
    def _dry_run_needs_a_project(self) -> WatchConfig:
        if self.dry_run and self.dry_run_project is None:
            raise ValueError("dry_run = true needs dry_run_project: the Wwise project (.wproj or its folder) "
                             "to try the rule's workflow on")
        if self.shared and not self.name:
            raise ValueError("shared = true needs a name, the same on every daemon watching the folder: "
                             "the claims in Redis are keyed by it, not by the folder's local path")
        return self


class Settings(_Section):
    """The whole effective configuration."""

    wwise: WwiseConfig = Field(default_factory=WwiseConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    paths: PathsConfig = Field(default_factory=PathsConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    plugins: PluginsConfig = Field(default_factory=PluginsConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    watch: list[WatchConfig] = Field(default_factory=list)
    #: plugin sections ([reaper], ...) as written; the plugin that declares one (hook
    #: ``register_config_sections``) validates it, see ``Plugins.check_config``
    plugin_tables: dict[str, dict[str, Any]] = Field(default_factory=dict, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _plugin_sections(cls, data: Any) -> Any:
        """Keep unknown top-level tables for plugins, unless the name looks like a typo of ours."""
        if not isinstance(data, dict):
            return data
        core = [name for name in cls.model_fields if name != "plugin_tables"]
        tables = {
            key: value for key, value in data.items()
            if key not in cls.model_fields and isinstance(value, dict)
            and not difflib.get_close_matches(key, core, n=1, cutoff=0.8)
        }
        if not tables:
            return data
        rest = {key: value for key, value in data.items() if key not in tables}
        rest["plugin_tables"] = {**(data.get("plugin_tables") or {}), **tables}
        return rest

    @model_validator(mode="after")
    def _shared_folders_need_redis(self) -> Settings:
        shared = [w.name or str(w.folder) for w in self.watch if w.shared]
        if shared and self.store.backend != "redis":
            raise ValueError(f"[[watch]] {', '.join(shared)}: shared = true needs the fleet's Redis to claim "
                             f'files in: set [store] backend = "redis" and url, or remove shared = true')
        return self

    #: the plugin sections validated by ``Plugins.check_config`` (see :meth:`section`)
    _sections: dict[str, BaseModel] = PrivateAttr(default_factory=dict)

    def plugin_section(self, name: str) -> dict[str, Any]:
        """The ``[name]`` table of a plugin section as written ({} when absent)."""
        return dict(self.plugin_tables.get(name) or {})

    def section(self, name: str) -> Any:
        """A plugin section as its validated model (defaults filled in), once the plugins loaded;
        KeyError when no loaded plugin declares it or it is invalid (``wwiseflowd plugins`` says why)."""
        try:
            return self._sections[name]
        except KeyError:
            raise KeyError(f"config section [{name}] is not declared by a loaded plugin, or is invalid; "
                           f"see wwiseflowd plugins") from None

    def use_sections(self, sections: dict[str, BaseModel]) -> None:
        """Keep the validated plugin sections (called by ``Plugins.check_config``)."""
        self._sections = dict(sections)

    @property
    def store_path(self) -> Path:
        """The SQLite file of the embedded store."""
        return self.paths.state_dir / self.store.filename


class ConfigError(Exception):
    """A configuration file is missing, unreadable or invalid. The message is for the user.

    Each problem reads ``<file>:<line>: <dotted.key>: <what is wrong and what to do>`` (the line
    when it can be found), like a compiler error, so editors can jump to it.
    """

    def __init__(self, source: str, problems: list[str], lines: list[int | None] | None = None) -> None:
        self.source = source
        self.problems = problems
        self.lines = lines or [None] * len(problems)
        super().__init__(
            "\n".join(
                f"{source}:{line}: {problem}" if line else f"{source}: {problem}"
                for problem, line in zip(problems, self.lines, strict=True)
            )
        )


class LoadedConfig(BaseModel):
    """Settings plus where they came from (for ``wwiseflowd config show``)."""

    settings: Settings
    source: Path | None = None
    #: how ``source`` was found: "--config", "WWISEFLOWD_CONFIG", "user config dir", "site config dir"
    found_by: str | None = None
    #: dotted key -> origin ("default" or the file path)
    origins: dict[str, str] = Field(default_factory=dict)


def candidate_paths() -> list[Path]:
    """Config files looked for, in order, after ``--config`` and ``WWISEFLOWD_CONFIG``."""
    return [
        Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILENAME,
        Path(platformdirs.site_config_dir(APP_NAME)) / CONFIG_FILENAME,
    ]


def locate_config(explicit: Path | str | None = None) -> tuple[Path | None, str | None]:
    """(the config file to use, how it was found); (None, None) means built-in defaults.

    An explicit path or one named by ``WWISEFLOWD_CONFIG`` is returned even when missing, so the
    user gets "file not found" instead of silently running on defaults.
    """
    if explicit is not None:
        return Path(explicit).expanduser(), "--config"
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser(), ENV_CONFIG
    for path, kind in zip(candidate_paths(), ("user config dir", "site config dir"), strict=True):
        if path.is_file():
            return path, kind
    return None, None


def find_config(explicit: Path | str | None = None) -> Path | None:
    """The config file to use, or None for built-in defaults. An explicit path must exist."""
    return locate_config(explicit)[0]


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


def parse_settings(data: dict[str, Any], source: str, text: str | None = None) -> Settings:
    """Validate raw TOML data; raise ConfigError naming ``source`` and each dotted key.

    ``text`` (the file's content) lets each problem carry its line number.
    """
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        lines: list[int | None] = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(f"{_dotted(loc)}: {_explain(err, loc, Settings)}")
            # a missing key has no line of its own: point at its table
            where = loc[:-1] if err["type"] == "missing" else loc
            lines.append(_line_of(text, where) if text else None)
        # in file order, as an editor would list them
        order = sorted(range(len(problems)), key=lambda i: (lines[i] is None, lines[i] or 0))
        raise ConfigError(source, [problems[i] for i in order], [lines[i] for i in order]) from None


def section_problems(
    name: str, model: type[BaseModel], table: dict[str, Any]
) -> tuple[BaseModel | None, list[str]]:
    """A plugin section validated as strictly as the core's (unknown keys are errors with a "did you
    mean"): (the model, []) or (None, ``["[name] key: sentence", ...]``)."""
    strict = forbidding_extra(model)
    try:
        return strict.model_validate(table), []
    except ValidationError as exc:
        return None, [f"{_dotted((name, *err['loc']))}: {_explain(err, tuple(err['loc']), strict)}"
                      for err in exc.errors()]


def forbidding_extra(model: type[BaseModel]) -> type[BaseModel]:
    """``model``, or a subclass of it that refuses unknown keys (as the core's sections do)."""
    if model.model_config.get("extra") == "forbid":
        return model
    config = ConfigDict(**{**model.model_config, "extra": "forbid"})
    return type(model.__name__, (model,), {"model_config": config, "__doc__": model.__doc__})


def _explain(err: Any, loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    """One validation error as a sentence with a way out (``loc`` is relative to ``root``)."""
    if err["type"] == "extra_forbidden":
        known = _known_keys(loc[:-1], root)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        listing = f"known keys here: {', '.join(known)}; " if len(known) <= 12 else ""
        return f"unknown key ({hint}{listing}see config/wwiseflowd.toml for every key)"
    if err["type"] == "missing":
        return "required key is missing; add it"
    if loc == ("watch",) and err["type"] == "list_type":
        return "must be a list of tables: write [[watch]] (double brackets) once per drop folder"
    got = repr(err.get("input"))
    got = got if len(got) <= 60 else got[:57] + "..."
    return f"{err['msg']} (got {got})"


def _known_keys(loc: tuple[int | str, ...], root: type[BaseModel]) -> list[str]:
    """Field names of the model at ``loc`` under ``root`` (for "did you mean")."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation if part in model.model_fields else None
        for candidate in (annotation, *getattr(annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return []
    return sorted(name for name, f in model.model_fields.items() if not f.exclude)


_TABLE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]")
_ARRAY_TABLE = re.compile(r"^\s*\[\[\s*([^\[\]]+?)\s*\]\]")
_KEY = re.compile(r"^\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*=")


def _line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Best-effort line number (1-based) of the key at ``loc`` in TOML ``text``."""
    table: tuple[int | str, ...] = ()
    counts: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _ARRAY_TABLE.match(line):
            name = match.group(1)
            counts[name] = counts.get(name, -1) + 1
            table = (*name.split("."), counts[name])
            if table == loc:
                return number
            continue
        if match := _TABLE.match(line):
            table = tuple(match.group(1).split("."))
            if table == loc:
                return number
            continue
        if (match := _KEY.match(line)) and (*table, match.group(1)) == loc[: len(table) + 1]:
            if len(loc) == len(table) + 1 or not isinstance(loc[len(table) + 1], str):
                return number
    return None


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a ConfigError naming the file."""
    return _parse_toml(path, _read_text(path, None))


def _read_text(path: Path, found_by: str | None) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        named = f" (named by {found_by})" if found_by in ("--config", ENV_CONFIG) else ""
        raise ConfigError(str(path), [f"file not found{named}; check the path"]) from None
    except IsADirectoryError:
        raise ConfigError(str(path), ["is a directory; give the path of a .toml file"]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["is not UTF-8 text; save it as UTF-8"]) from None
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read file: {exc.strerror}"]) from None


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(str(path), [f"not valid TOML: {exc}"], [line]) from None


def _resolve_relative(settings: Settings, base: Path) -> None:
    """Make relative paths in a config file relative to that file, not to the working directory."""
    sections: list[BaseModel] = [settings.paths, settings.server, *settings.watch]
    for section in sections:
        for name in type(section).model_fields:
            value = getattr(section, name)
            if isinstance(value, Path) and not value.is_absolute():
                setattr(section, name, base / value)
            elif isinstance(value, list) and value and all(isinstance(v, Path) for v in value):
                setattr(section, name, [v if v.is_absolute() else base / v for v in value])


def load_config(explicit: Path | str | None = None) -> LoadedConfig:
    """Find, read and validate the configuration (see the module docstring for the lookup order)."""
    path, found_by = locate_config(explicit)
    if path is None:
        settings = Settings()
        defaults = flatten(settings.model_dump(mode="json"))
        return LoadedConfig(settings=settings, origins=dict.fromkeys(defaults, "default"))
    text = _read_text(path, found_by)
    raw = _parse_toml(path, text)
    settings = parse_settings(raw, str(path), text)
    _resolve_relative(settings, path.parent.resolve())
    from_file = set(flatten(raw))
    origins = {
        key: (str(path) if key in from_file or _under(key, from_file) else "default")
        for key in flatten(settings.model_dump(mode="json"))
    }
    return LoadedConfig(settings=settings, source=path, found_by=found_by, origins=origins)


def _under(key: str, keys: set[str]) -> bool:
    """True when a leaf of the effective config was written in the file as part of a bigger value."""
    return any(key.startswith(k + ".") or key.startswith(k + "[") for k in keys)


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
    "locate_config",
    "parse_settings",
    "settings_for_tests",
]
