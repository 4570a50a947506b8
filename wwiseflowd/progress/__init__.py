"""Terminal progress of the daemon (``wwiseflowd run``, ``make demo``): a presenter fed by the
daemon's status and events, kept out of the daemon itself."""

from wwiseflowd.progress.feed import Mode, ProgressFeed, resolve_mode
from wwiseflowd.progress.presenter import Notice, Presenter, render_json, render_text

__all__ = ["Mode", "Notice", "Presenter", "ProgressFeed", "render_json", "render_text", "resolve_mode"]
