"""wwiseflowd: an automation daemon for Audiokinetic Wwise.

Plugins import what they need from here::

    from wwiseflowd import hookimpl, NodeSpec, Result, ErrorCode
"""

from wwiseflowd.hookspecs import hookimpl
from wwiseflowd.registry import CommandContext, NodeContext, NodeSpec
from wwiseflowd.results import ErrorCode, Result

__version__ = "0.1.0"

__all__ = [
    "CommandContext",
    "ErrorCode",
    "NodeContext",
    "NodeSpec",
    "Result",
    "__version__",
    "hookimpl",
]
