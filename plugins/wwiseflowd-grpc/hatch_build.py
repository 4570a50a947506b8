"""Build hook: generate the gRPC and protobuf modules from ``wwiseflowd_grpc/wwiseflow.proto``.

Runs on every build and editable install (``pip install -e``), with ``grpcio-tools`` and
``mypy-protobuf`` from ``[build-system] requires``; the generated ``wwiseflow_pb2*.py`` and their
typed ``.pyi`` stubs are build artifacts, git-ignored and never edited by hand.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PROTO = Path("wwiseflowd_grpc") / "wwiseflow.proto"


class ProtocBuildHook(BuildHookInterface):  # type: ignore[type-arg]  # generic in newer hatchling
    """Hatch's custom build hook (``[tool.hatch.build.hooks.custom]``)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Generate before hatch collects the files."""
        generate(Path(self.root))


def _tool(name: str) -> str | None:
    """A console script of the build environment (PATH first, then next to the interpreter)."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else None


def generate(root: Path) -> None:
    """Run protoc (from grpcio-tools) with the Python, gRPC and mypy stub generators."""
    import grpc_tools
    from grpc_tools import protoc

    well_known = Path(grpc_tools.__file__).parent / "_proto"
    args = ["grpc_tools.protoc", f"-I{root}", f"-I{well_known}",
            f"--python_out={root}", f"--grpc_python_out={root}"]
    mypy_plugin, mypy_grpc_plugin = _tool("protoc-gen-mypy"), _tool("protoc-gen-mypy_grpc")
    if mypy_plugin and mypy_grpc_plugin:
        args += [f"--plugin=protoc-gen-mypy={mypy_plugin}", f"--mypy_out={root}",
                 f"--plugin=protoc-gen-mypy_grpc={mypy_grpc_plugin}", f"--mypy_grpc_out={root}"]
    args.append(str(root / PROTO))
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {root / PROTO}; see the messages above")
