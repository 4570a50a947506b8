"""wwiseflowd-reaper: the REAPER backend. Regions rendered in REAPER become Sounds in Wwise.

What it registers (all through ordinary hooks; core code never names REAPER):

- backend ``reaper`` (:class:`~wwiseflowd_reaper.backend.ReaperBackend`): reads ``.rpp`` files,
  renders regions with ``reaper -renderproject`` or through the web remote; ``health``/``stats``;
- bus commands ``reaper_render_regions``, ``reaper_export_markers``, ``reaper_read_project``;
- node types ``reaperProject``, ``reaperRender``, ``reaperWwiseLayout``;
- the built-in workflow ``reaper-to-wwise`` (render -> layout -> audioImport -> projectSave);
- the ``[reaper]`` config section (:class:`~wwiseflowd_reaper.settings.ReaperConfig`).

The stand-in used by tests and the demo (NOT REAPER) is :mod:`wwiseflowd_reaper.sim`, installed as
the console script ``wwiseflowd-reaper-sim``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from wwiseflowd import hookimpl
from wwiseflowd.watch.wavecheck import WaveProbe
from wwiseflowd_reaper.backend import NAME, RESOURCE, ReaperBackend
from wwiseflowd_reaper.commands import COMMANDS
from wwiseflowd_reaper.drops import DROP_WORKFLOW_ID, SUFFIX, check_project_file
from wwiseflowd_reaper.nodes import register_all
from wwiseflowd_reaper.settings import SECTION, ReaperConfig

__version__ = "0.1.0"

WORKFLOW_ID = "reaper-to-wwise"


def workflow_path(workflow_id: str = WORKFLOW_ID) -> Path:
    """A workflow document shipped in this package (``reaper-to-wwise`` by default)."""
    return Path(str(resources.files("wwiseflowd_reaper").joinpath("workflows", f"{workflow_id}.json")))


class ReaperBackendFactory:
    """Creates the backend from ``[reaper]``; ``resource`` tells the engine which node resource it serves."""

    resource = RESOURCE

    def __call__(self, settings: Any) -> ReaperBackend:
        return ReaperBackend.from_settings(settings)


@hookimpl
def register_backends(register: Callable[[str, Any], None]) -> None:
    """Backend ``reaper``, serving resource ``reaper``."""
    register(NAME, ReaperBackendFactory())


@hookimpl
def register_bus_commands(register: Callable[..., None]) -> None:
    """``reaper_render_regions``, ``reaper_export_markers``, ``reaper_read_project``."""
    for name, handler, model, description, read_only in COMMANDS:
        register(name, handler, model, description=description, read_only=read_only)


@hookimpl
def register_config_sections(register: Callable[[str, type[ReaperConfig]], None]) -> None:
    """``[reaper]``: executable, web_url, web_user/web_password, render_timeout_s, output_dir."""
    register(SECTION, ReaperConfig)


@hookimpl
def register_workflows(register: Callable[[Path], None]) -> None:
    """The built-in workflows ``reaper-to-wwise`` and ``reaper-drop`` (for ``*.rpp`` drop rules)."""
    register(workflow_path())
    register(workflow_path(DROP_WORKFLOW_ID))


@hookimpl
def register_file_checks(register: Callable[[str, Callable[[Path], WaveProbe]], None]) -> None:
    """Drop folders watching ``*.rpp`` take a project once it parses to its end."""
    register(SUFFIX, check_project_file)


@hookimpl
def register_node_types(register: Callable[..., None]) -> None:
    """``reaperProject``, ``reaperRender``, ``reaperWwiseLayout``."""
    register_all(register)


__all__ = ["SECTION", "ReaperBackend", "ReaperBackendFactory", "ReaperConfig", "workflow_path"]
