"""Workflow documents for the gRPC tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wwiseflowd.config import DEFAULT_BUS, DEFAULT_TARGET


def four_node_workflow(wav: Path, name: str = "Footstep_01") -> dict[str, Any]:
    """createSound -> audioImport -> setOutputBus -> projectSave."""
    return {
        "id": "import-one",
        "nodes": [
            {"id": "n1", "type": "createSound", "data": {"name": name, "parentPath": DEFAULT_TARGET}},
            {"id": "n2", "type": "audioImport",
             "data": {"objectId": "$from:n1:$output:objectId", "filePath": str(wav)}},
            {"id": "n3", "type": "setOutputBus",
             "data": {"objectId": "$from:n1:$output:objectId", "busPath": DEFAULT_BUS}},
            {"id": "n4", "type": "projectSave", "data": {}},
        ],
        "edges": [
            {"id": "e1", "source": "n1", "target": "n2"},
            {"id": "e2", "source": "n2", "target": "n3"},
            {"id": "e3", "source": "n3", "target": "n4"},
        ],
    }


def cyclic_workflow() -> dict[str, Any]:
    """Two nodes feeding each other, and a node type nobody provides."""
    return {
        "id": "broken",
        "nodes": [
            {"id": "a", "type": "projectSave", "data": {}},
            {"id": "b", "type": "projectSave", "data": {}},
            {"id": "c", "type": "noSuchNode", "data": {}},
        ],
        "edges": [{"id": "e1", "source": "a", "target": "b"}, {"id": "e2", "source": "b", "target": "a"}],
    }
