"""wwiseflowd-audiocheck: the ``audioCheck`` node type, a model plugin for third parties.

It checks WAV files against a delivery spec (sample rates, bit depth, channels, duration, peak,
clipping, leading/trailing silence) before they are imported. It never touches Wwise, so it has
no ``resource`` and its steps run in parallel branches.

The whole plugin contract is the hook below plus the entry point in ``pyproject.toml``::

    [project.entry-points.wwiseflowd]
    audiocheck = "wwiseflowd_audiocheck"
"""

from __future__ import annotations

from collections.abc import Callable

from wwiseflowd import NodeSpec, hookimpl
from wwiseflowd_audiocheck.check import AudioCheckInput, check_file, run_audio_check

__version__ = "0.1.0"

AUDIO_CHECK = NodeSpec(
    type="audioCheck",
    title="Audio check",
    description=(
        "Check WAV files against a delivery spec before import: sample rate, bit depth, channels, "
        "duration, peak level, clipping and leading/trailing silence. Reports findings per file; "
        "fails with INVALID_AUDIO naming the bad files unless failOnError is false, in which case "
        "only the passing files go on in 'files'."
    ),
    inputs=AudioCheckInput,
    outputs=("ok", "report", "files", "failed"),
    run=run_audio_check,
    read_only=True,
)


@hookimpl
def register_node_types(register: Callable[[NodeSpec], None]) -> None:
    """Register ``audioCheck``."""
    register(AUDIO_CHECK)


__all__ = ["AUDIO_CHECK", "AudioCheckInput", "check_file", "register_node_types"]
