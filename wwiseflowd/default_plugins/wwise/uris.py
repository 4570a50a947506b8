"""The WAAPI functions wwiseflowd calls: every URI the Wwise backend sends lives here."""

from __future__ import annotations

GET_INFO = "ak.wwise.core.getInfo"
GET_PROJECT_INFO = "ak.wwise.core.getProjectInfo"
OBJECT_GET = "ak.wwise.core.object.get"
OBJECT_CREATE = "ak.wwise.core.object.create"
OBJECT_SET = "ak.wwise.core.object.set"
OBJECT_DELETE = "ak.wwise.core.object.delete"
SET_PROPERTY = "ak.wwise.core.object.setProperty"
SET_REFERENCE = "ak.wwise.core.object.setReference"
SET_NOTES = "ak.wwise.core.object.setNotes"
AUDIO_IMPORT = "ak.wwise.core.audio.import"
PROJECT_SAVE = "ak.wwise.core.project.save"
UNDO_BEGIN = "ak.wwise.core.undo.beginGroup"
UNDO_END = "ak.wwise.core.undo.endGroup"
UNDO_CANCEL = "ak.wwise.core.undo.cancelGroup"

#: calls that change nothing: safe to repeat on a fresh session after a drop
READ_ONLY_URIS = frozenset({GET_INFO, GET_PROJECT_INFO, OBJECT_GET, "ak.wwise.core.ping"})
UNDO_URIS = frozenset({UNDO_BEGIN, UNDO_END, UNDO_CANCEL})

#: the accessors every object-returning operation asks for
OBJECT_FIELDS = ("id", "name", "path", "type")
