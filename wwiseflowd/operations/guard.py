"""The file-path guard: which file paths a request from outside may name.

Shared by every front door that accepts paths from outside (REST, MCP, the editor); the
operations layer applies it before a workflow is compiled or a bus command runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from wwiseflowd.documents import FROM_PREFIX, INPUT_PREFIX, declared_inputs
from wwiseflowd.results import ErrorCode, Result

if TYPE_CHECKING:
    from wwiseflowd.config import Settings
    from wwiseflowd.registry import Registry

# -- file paths ----------------------------------------------------------------------------------

#: keys whose values are always file-system paths, wherever they appear in a payload
FILE_KEYS: frozenset[str] = frozenset(
    {"filepath", "filepaths", "file", "files", "audiofile", "audiofiles", "folder", "directory"}
)
#: key endings that mark a path (``sourceFile``, ``outputDir``); checked when the value is absolute,
#: since relative values of such keys (``relativeDir``, ``originalsSubfolder``) name sub-folders
FILE_KEY_SUFFIXES: tuple[str, ...] = ("file", "files", "filepath", "dir", "directory", "folder", "folders")
#: inside a list of files, an object's ``path`` is the file (drop batches: ``{path, relativeDir}``)
FILE_ITEM_KEYS: frozenset[str] = frozenset({"path"})
#: JSON-schema formats pydantic gives Path, FilePath and DirectoryPath fields
PATH_FORMATS: frozenset[str] = frozenset({"path", "file-path", "directory-path"})


def is_file_key(key: str) -> bool:
    """True when a payload key always names a file-system path (``filePath``, ``files``, ``audioFile``).

    Wwise object paths (``parentPath``, ``targetPath``, ``busPath``, ``path``) are not file paths.
    """
    return key.lower() in FILE_KEYS


def is_path_like_key(key: str) -> bool:
    """True when a key's name suggests a path (``outputDir``); its absolute values are checked."""
    return key.lower().endswith(FILE_KEY_SUFFIXES)


#: what :func:`_key_kind` answers: a key that never names a path, one whose absolute values are
#: paths, one whose values always are
_PLAIN, _PATH_LIKE, _FILE = 0, 1, 2
#: key name -> its kind; documents repeat the same few keys (``name``, ``parentPath``) on every node
_KINDS: dict[str, int] = {}
#: keys remembered at most, and the longest remembered (a hostile body may send a million
#: different keys, or megabyte-long ones)
_KINDS_MAX, _KIND_KEY_MAX = 4096, 64


def _key_kind(key: str) -> int:
    kind = _KINDS.get(key)
    if kind is None:
        kind = _FILE if is_file_key(key) else _PATH_LIKE if is_path_like_key(key) else _PLAIN
        if len(_KINDS) < _KINDS_MAX and len(key) <= _KIND_KEY_MAX:
            _KINDS[key] = kind
    return kind


_WINDOWS_ABSOLUTE = re.compile(r"^([A-Za-z]:[\\/]|\\\\|//)")


def _is_absolute(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("~") or Path(value).is_absolute() or bool(_WINDOWS_ABSOLUTE.match(value))
    if isinstance(value, list):
        return any(_is_absolute(item) for item in value)
    return False


@lru_cache(maxsize=512)
def path_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields of ``model`` typed as paths (``Path``, ``FilePath``, ``list[Path]``)."""
    found = set()
    for name, prop in model.model_json_schema().get("properties", {}).items():
        schemas = [prop, prop.get("items", {}), *prop.get("anyOf", []), *prop.get("allOf", [])]
        schemas += [s.get("items", {}) for s in prop.get("anyOf", []) if isinstance(s, dict)]
        if any(isinstance(s, dict) and s.get("format") in PATH_FORMATS for s in schemas):
            found.add(name)
    return frozenset(found)


class PathGuard:
    """Decides whether a file path from a request may be touched.

    ``allowed_roots`` from ``[server]``; when that list is empty, the drop folders of the
    ``[[watch]]`` rules are the roots; when there are none either, no file path is accepted.
    Paths are resolved (symlinks, ``..``, ``~``) before the check. A relative path is refused
    (INVALID_INPUT): a document sent to the daemon has no folder of its own, and the daemon's
    working directory is an accident of how it was started. ``wwiseflowd exec`` makes a file's
    paths absolute (from the current directory, defaults from the file's folder) before sending.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = tuple(Path(r).expanduser().resolve() for r in roots)

    @classmethod
    def from_settings(cls, settings: Settings) -> PathGuard:
        """The guard for ``settings``: ``allowed_roots``, else the drop folders."""
        roots = settings.server.allowed_roots or [rule.folder for rule in settings.watch]
        return cls(roots)

    def check_path(self, value: str, where: str) -> Result:
        """Ok (data: the resolved path) when ``value`` lies under an allowed root; FORBIDDEN or
        INVALID_INPUT otherwise."""
        if not _is_absolute(value):
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"{where}: {value!r} is a relative path, and a document sent to the daemon has no "
                f"folder to resolve it from. Send an absolute path (for a workflow input: "
                f'"inputs": {{"<name>": "/abs/path/file.wav"}}), or run the file with wwiseflowd exec.',
            )
        try:
            resolved = Path(value).expanduser().resolve()
        except (OSError, ValueError, RuntimeError):
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"{where}: {value!r} is not a usable file path; send an absolute path.",
            )
        if any(resolved == root or resolved.is_relative_to(root) for root in self.roots):
            return Result.success(str(resolved))
        if not self.roots:
            hint = "No folder is open to requests yet: add one to [server] allowed_roots in wwiseflowd.toml."
        else:
            listed = ", ".join(str(r) for r in self.roots)
            hint = (
                f"Allowed folders: {listed}. Move the file there or add its folder to [server] allowed_roots."
            )
        return Result.failure(
            ErrorCode.FORBIDDEN, f"{where}: {value!r} is outside the allowed folders. {hint}"
        )

    def check_payload(
        self,
        payload: Any,
        where: str,
        *,
        fields: frozenset[str] = frozenset(),
        inputs: Mapping[str, Any] | None = None,
    ) -> Result:
        """Walk a JSON payload; every file-path value (by key name or in ``fields``) must be allowed."""
        return self._payload_refused(payload, where, fields, inputs) or Result.success()

    def check_command(self, name: str, payload: Mapping[str, Any], registry: Registry) -> Result:
        """Check the payload of bus command ``name``."""
        spec = registry.commands.get(name)
        fields = path_fields(spec.input_model) if spec is not None else frozenset()
        return self.check_payload(dict(payload), f"command {name}", fields=fields)

    def check_workflow(
        self, document: Mapping[str, Any], inputs: Mapping[str, Any] | None, registry: Registry
    ) -> Result:
        """Check every node's ``data`` and the workflow inputs of a run. A document that is not an
        object names no file: the compiler says what is wrong with it."""
        if not isinstance(document, Mapping):
            return Result.success()
        declared = declared_inputs(document)
        # a declared default is used when the caller leaves that input out, so it is checked too
        defaults = {name: spec.default for name, spec in declared.items() if spec.has_default}
        run_inputs = {**defaults, **dict(inputs or {})}
        # inputs declared with a path format are file paths whatever their name
        typed = frozenset(name for name, spec in declared.items() if spec.format in PATH_FORMATS)
        refused = self._payload_refused(run_inputs, "inputs", typed, None)
        nodes = document.get("nodes")
        for node in nodes if isinstance(nodes, list) and refused is None else []:
            if not isinstance(node, dict):
                continue
            spec = registry.node_types.get(str(node.get("type")))
            fields = path_fields(spec.inputs) if spec is not None else frozenset()
            data = node.get("data") or {}
            first = self._payload_refused(data, "", fields, run_inputs)
            if first is not None:
                # walked again to say where: the sentence is built only for a refusal
                where = f"node {node.get('id')!r} data"
                refused = self._payload_refused(data, where, fields, run_inputs) or first
                break
        return refused or Result.success()

    # the walk returns the first refusal, or None; no Result is built for values that pass

    def _value_refused(self, value: Any, where: str, inputs: Mapping[str, Any] | None) -> Result | None:
        if isinstance(value, str):
            if value.startswith(FROM_PREFIX):
                return None  # produced by an upstream node, not by the caller
            if value.startswith(INPUT_PREFIX):
                name = value[len(INPUT_PREFIX) :]
                if inputs is None or name not in inputs:
                    return None  # an unknown input is the compiler's error
                return self._value_refused(inputs[name], f"{where} (input {name!r})", None)
            checked = self.check_path(value, where)
            return None if checked.ok else checked
        if isinstance(value, list):
            for index, item in enumerate(value):
                refused = self._value_refused(item, f"{where}[{index}]", inputs)
                if refused is not None:
                    return refused
            return None
        if isinstance(value, dict):
            return self._payload_refused(value, where, FILE_ITEM_KEYS, inputs)
        return None

    def _payload_refused(
        self, payload: Any, where: str, fields: frozenset[str], inputs: Mapping[str, Any] | None
    ) -> Result | None:
        if isinstance(payload, list):
            for index, item in enumerate(payload):
                refused = self._payload_refused(item, f"{where}[{index}]", frozenset(), inputs)
                if refused is not None:
                    return refused
            return None
        if not isinstance(payload, dict):
            return None
        for key, value in payload.items():
            name = str(key)
            kind = _key_kind(name)
            if name in fields or kind == _FILE or (kind == _PATH_LIKE and _is_absolute(value)):
                refused = self._value_refused(value, f"{where}.{name}", inputs)
            elif isinstance(value, (dict, list)):
                refused = self._payload_refused(value, f"{where}.{name}", frozenset(), inputs)
            else:
                continue
            if refused is not None:
                return refused
        return None


