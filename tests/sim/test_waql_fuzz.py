"""Robustness: generated and mangled queries either run or raise WaqlError, never anything else.

A client that sends garbage must get ``ak.wwise.query.invalid_query``, not crash a handler.
The generator follows the grammar of docs/waql.md, then deletes or inserts characters.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from wwiseflowd.sim.model import Project
from wwiseflowd.sim.waql import WaqlError, run_query

ACCESSORS = [
    "name",
    "type",
    "volume",
    "@Volume",
    "parent",
    "parent.name",
    "outputbus",
    "outputbus.name",
    "notes",
    "id",
    "path",
    "shortId",
    "childrenCount",
    "workunit",
    "workunit:isDefault",
    "IsVoice",
    "target.name",
    "3DPosition",
    "parent.parent.type",
    "bogus",
]
LITERALS = [
    '"S_1"',
    '"sound"',
    '"\\"',
    '"Bus:Master Audio Bus"',
    '"\\Actor-Mixer Hierarchy"',
    "0",
    "-3",
    "1.5",
    "true",
    "false",
    "/S/",
    "/^s/i",
    '"{00000000-0000-0000-0000-000000000000}"',
    '"S*"',
]
OPERATORS = ["=", "!=", "<", "<=", ">", ">=", ":"]
SOURCES = [
    '"\\Actor-Mixer Hierarchy"',
    '"\\"',
    '"Event:E"',
    '"\\Nope"',
    "from type sound, event",
    "from project",
    'from search "s"',
    "from type action",
    "",
]
SELECTORS = [
    "this",
    "children",
    "descendants",
    "parent",
    "ancestors",
    "referencesTo",
    "outputbus",
    "target",
    "name",
]


def condition(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth < 3 and roll < 0.2:
        return f"({condition(rng, depth + 1)} {rng.choice(['and', 'or'])} {condition(rng, depth + 1)})"
    if depth < 3 and roll < 0.3:
        return f"not {condition(rng, depth + 1)}"
    if depth < 3 and roll < 0.4:
        walk = rng.choice(["children", "descendants", "ancestors", "referencesTo", "name"])
        inner = condition(rng, depth + 1) if rng.random() < 0.5 else ""
        call = f"{rng.choice(['', 'parent.'])}{walk}.{rng.choice(['count', 'any', 'all', 'first'])}({inner})"
        return call + (f" {rng.choice(OPERATORS)} {rng.choice(LITERALS)}" if rng.random() < 0.6 else "")
    if roll < 0.45:
        return rng.choice(["true", "false", rng.choice(ACCESSORS)])
    return f"{rng.choice(ACCESSORS)} {rng.choice(OPERATORS)} {rng.choice(LITERALS)}"


def query(rng: random.Random) -> str:
    parts = [rng.choice(["$", ""]), rng.choice(SOURCES)]
    for _ in range(rng.randint(0, 4)):
        roll = rng.random()
        if roll < 0.4:
            parts.append("where " + condition(rng))
        elif roll < 0.6:
            parts.append("select " + ", ".join(rng.sample(SELECTORS, rng.randint(1, 2))))
        elif roll < 0.8:
            parts.append(f"{rng.choice(['take', 'skip'])} {rng.randint(0, 5)}")
        else:
            parts.append(
                rng.choice(["distinct", "orderby name", "orderby volume reverse", "orderby children.count()"])
            )
    text = " ".join(parts)
    if text and rng.random() < 0.5:  # mangle one character
        i = rng.randrange(len(text))
        text = (
            text[:i]
            + rng.choice(['"', "/", "\\", "(", ")", ",", ".", "=", ":", "!", "{", " ", "$", "-", ""])
            + text[i + 1 :]
        )
    return text


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    p = Project.new("Fuzz", Path(tmp_path_factory.mktemp("fuzz")))
    wu = p.find("\\Actor-Mixer Hierarchy\\Default Work Unit")
    events = p.find("\\Events\\Default Work Unit")
    assert wu is not None and events is not None
    sound = p.add(p.add(wu, "ActorMixer", "A"), "Sound", "S_1")
    p.add(wu, "Sound", "T")
    p.set_reference(p.add(p.add(events, "Event", "E"), "Action", ""), "Target", sound)
    return p


def test_generated_queries_run_or_raise_waql_error(project: Project) -> None:
    rng = random.Random(20261126)
    outcomes = {"ran": 0, "rejected": 0}
    for _ in range(3000):
        text = query(rng)
        try:
            run_query(project, text)
            outcomes["ran"] += 1
        except WaqlError as exc:
            assert exc.message, text
            outcomes["rejected"] += 1
    # the generator must exercise both sides, or the test proves nothing
    assert outcomes["ran"] > 500 and outcomes["rejected"] > 500, outcomes
