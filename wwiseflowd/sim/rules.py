"""What Wwise refuses: object types that cannot be created, children a parent cannot hold, bad names.

Each check raises the ``invalid_arguments`` WaapiError a WAAPI client would get from Wwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wwiseflowd.sim.classes import CATEGORY_CHILDREN, FORBIDDEN_NAME_CHARS, type_lookup
from wwiseflowd.sim.errors import invalid_arguments
from wwiseflowd.sim.objects import WwiseObject

if TYPE_CHECKING:
    from wwiseflowd.sim.tree import ProjectTree as Project




def canonical_type(project: Project, type_name: Any) -> str:
    """The WAAPI type name for ``type_name``; raises an invalid_arguments WaapiError."""
    canonical = type_lookup().get(type_name.lower()) if isinstance(type_name, str) else None
    if canonical is None or canonical == "Project":
        raise invalid_arguments(f"Type '{type_name}' is not a Wwise object type that can be created.",
                                type=type_name)
    if canonical in ("PropertyContainer", "ActorMixer"):
        canonical = project.version.actor_mixer_type  # 2025.1 renamed the class
    return canonical


def allowed_children(project: Project, parent: WwiseObject) -> frozenset[str]:
    """Types ``parent`` may hold (reference §5)."""
    if parent.type == "Project":
        return frozenset()
    if parent.type in ("Folder", "WorkUnit"):
        if parent.parent is project.root:  # a category root folder holds Work Units only
            return frozenset({"WorkUnit"})
        category = project.category_of(parent) or ""
        allowed = CATEGORY_CHILDREN.get(category, frozenset({"WorkUnit", "Folder"}))
        if category == "Actor-Mixer Hierarchy" and project.version.is_2025:  # music merged into Containers
            allowed = allowed | CATEGORY_CHILDREN["Interactive Music Hierarchy"]
        return allowed
    info = project.classes.get(parent.type)
    return info.children if info is not None else frozenset()


def check_child(project: Project, parent: WwiseObject, type_name: str) -> None:
    """Raise when Wwise would refuse a ``type_name`` under ``parent``."""
    allowed = allowed_children(project, parent)
    if type_name in allowed:
        return
    shown = ", ".join(sorted(allowed)) or "no children"
    raise invalid_arguments(
        f"An object of type {type_name} cannot be a child of {parent.type} '{parent.path}'; "
        f"that {parent.type} can hold: {shown}.", parent=parent.id, type=type_name)


def check_name(project: Project, name: Any, type_name: str) -> str:
    """Raise for names Wwise refuses; Actions alone may be nameless."""
    if not isinstance(name, str):
        raise invalid_arguments(f"The name of a {type_name} must be a string, got {name!r}.")
    if not name:
        if type_name == "Action":
            return name
        raise invalid_arguments(f"A {type_name} needs a non-empty name.")
    bad = sorted(set(name) & FORBIDDEN_NAME_CHARS)
    if bad or name != name.strip():
        shown = " ".join(bad) if bad else "leading or trailing spaces"
        raise invalid_arguments(
            f"Invalid name '{name}': Wwise object names may not contain {shown}. "
            f"Use letters, digits, spaces, '-' or '_'.", name=name)
    return name


def unique_name(project: Project, parent: WwiseObject, name: str, type_name: str) -> str:
    """``name`` or the first free ``name_01``, ``name_02``, ... (onNameConflict rename)."""
    if not name_taken(project, parent, name, type_name):
        return name
    n = 1
    while True:
        candidate = f"{name}_{n:02d}"
        if not name_taken(project, parent, candidate, type_name):
            return candidate
        n += 1


def name_taken(project: Project, parent: WwiseObject, name: str, type_name: str) -> bool:
    """True when a sibling, or for global types any object of the type, already has ``name``."""
    if not name:
        return False
    if parent.child_named(name) is not None:
        return True
    return project.is_global(type_name) and (type_name, name.lower()) in project._global



__all__ = ["allowed_children", "canonical_type", "check_child", "check_name", "name_taken", "unique_name"]
