"""The compiler: every error kind, all problems at once, deterministic plans, wiring."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import pytest

from tests.engine.engine_testnodes import TestNodes, flow, node
from wwiseflowd.compiler import _HASH_CHUNK, PlanStep, compile_workflow, plan_hash
from wwiseflowd.jsontext import canonical_json
from wwiseflowd.plugins import Plugins
from wwiseflowd.registry import Registry


@pytest.fixture
def registry(nodes: TestNodes) -> Registry:
    plugins = Plugins()
    plugins.register(nodes, "testnodes")
    return plugins.registry()


def errors_of(document: Any, registry: Registry) -> list[dict[str, Any]]:
    result = compile_workflow(document, registry)
    assert not result.ok
    assert result.error and result.code == result.data["errors"][0]["code"]
    return list(result.data["errors"])


def plan_of(document: Any, registry: Registry) -> dict[str, Any]:
    result = compile_workflow(document, registry)
    assert result.ok, result.data
    return dict(result.data)


def test_unknown_node_type_is_reported_with_a_suggestion(registry: Registry) -> None:
    errors = errors_of(flow(node("a", "emitt")), registry)
    assert errors == [{"nodeId": "a", "field": "type", "code": "UNKNOWN_NODE_TYPE",
                       "message": errors[0]["message"]}]
    assert "'emitt'" in errors[0]["message"] and "Did you mean emit" in errors[0]["message"]


def test_cycle_error_names_every_node_on_the_cycle(registry: Registry) -> None:
    document = flow(node("start", "emit"), node("a", "emit"), node("b", "emit"), node("c", "emit"),
                    node("after", "emit"),
                    edges=[("start", "a"), ("a", "b"), ("b", "c"), ("c", "a"), ("c", "after")])
    errors = errors_of(document, registry)
    assert [e["code"] for e in errors] == ["CYCLE_DETECTED"]
    assert errors[0]["nodes"] == ["a", "b", "c"]
    assert "'a', 'b', 'c'" in errors[0]["message"]


def test_two_separate_cycles_are_two_errors(registry: Registry) -> None:
    edges = [("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")]
    document = flow(*(node(n, "emit") for n in "abcd"), edges=edges)
    assert [e["nodes"] for e in errors_of(document, registry)] == [["a", "b"], ["c", "d"]]


def test_self_edge_is_a_cycle(registry: Registry) -> None:
    errors = errors_of(flow(node("a", "emit"), edges=[("a", "a")]), registry)
    assert errors[0]["code"] == "CYCLE_DETECTED" and errors[0]["nodeId"] == "a"


def test_reference_cycle_without_edges_is_detected(registry: Registry) -> None:
    document = flow(node("a", "useObject", objectId="$from:b:$output:objectId"),
                    node("b", "useObject", objectId="$from:a:$output:objectId"))
    errors = errors_of(document, registry)
    assert errors[0]["code"] == "CYCLE_DETECTED" and errors[0]["nodes"] == ["a", "b"]


def test_topological_order_breaks_ties_by_document_order(registry: Registry) -> None:
    document = flow(node("z", "emit"), node("y", "emit"), node("x", "emit"), node("w", "emit"),
                    edges=[("x", "w")])
    plan = plan_of(document, registry)
    assert [s["nodeId"] for s in plan["steps"]] == ["z", "y", "x", "w"]
    assert [s["level"] for s in plan["steps"]] == [0, 0, 0, 1]


def test_plan_is_identical_whatever_the_edge_order(registry: Registry) -> None:
    nodes = [node(f"n{i}", "emit", value=i) for i in range(30)]
    rng = random.Random(7)
    edges = [(f"n{i}", f"n{j}") for i in range(30) for j in range(i + 1, 30) if rng.random() < 0.2]
    first = plan_of(flow(*nodes, edges=edges), registry)
    rng.shuffle(edges)
    second = plan_of(flow(*nodes, edges=edges), registry)
    assert [s["nodeId"] for s in first["steps"]] == [s["nodeId"] for s in second["steps"]]
    assert first["hash"] == second["hash"]


def test_plan_has_the_design_shape(registry: Registry) -> None:
    plan = plan_of(flow(node("a", "emit", value=1), node("b", "useObject"), edges=[("a", "b")]), registry)
    assert set(plan) >= {"workflowId", "hash", "steps"}
    assert plan["workflowId"] == "test-flow" and len(plan["hash"]) == 64
    assert plan["steps"][1] == {"nodeId": "b", "type": "useObject",
                                "data": {"objectId": "$from:a:$output:objectId"}, "deps": ["a"], "level": 1}


def test_from_reference_to_unknown_node_and_unknown_output(registry: Registry) -> None:
    document = flow(node("a", "emit"),
                    node("b", "useObject", objectId="$from:ghost:$output:objectId"),
                    node("c", "useObject", objectId="$from:a:$output:colour"))
    errors = errors_of(document, registry)
    assert [(e["nodeId"], e["field"], e["code"]) for e in errors] == [
        ("b", "objectId", "INVALID_REFERENCE"), ("c", "objectId", "INVALID_REFERENCE")]
    assert "'ghost'" in errors[0]["message"]
    assert "'colour'" in errors[1]["message"] and "'objectId', 'value'" in errors[1]["message"]


def test_reference_to_a_downstream_node_is_an_error(registry: Registry) -> None:
    document = flow(node("a", "useObject", objectId="$from:c:$output:objectId"), node("b", "emit"),
                    node("c", "emit"), edges=[("a", "b"), ("b", "c")])
    errors = errors_of(document, registry)
    assert [(e["nodeId"], e["code"]) for e in errors] == [("a", "INVALID_REFERENCE")]
    assert "downstream" in errors[0]["message"]


def test_from_reference_implies_the_dependency(registry: Registry) -> None:
    document = flow(node("b", "useObject", objectId="$from:a:$output:objectId"), node("a", "emit"))
    plan = plan_of(document, registry)
    assert [s["nodeId"] for s in plan["steps"]] == ["a", "b"]
    assert plan["steps"][1]["deps"] == ["a"]


def test_malformed_from_reference_is_reported(registry: Registry) -> None:
    errors = errors_of(flow(node("a", "emit"), node("b", "useObject", objectId="$from:a")), registry)
    assert errors[0]["code"] == "INVALID_REFERENCE" and "$output" in errors[0]["message"]


def test_input_reference_must_be_declared_when_the_workflow_declares_inputs(registry: Registry) -> None:
    declared = flow(node("a", "useObject", objectId="$input:obj"), inputs={"other": {"type": "string"}})
    errors = errors_of(declared, registry)
    assert errors[0]["code"] == "INVALID_REFERENCE" and "'obj'" in errors[0]["message"]
    undeclared = flow(node("a", "useObject", objectId="$input:obj"))
    assert plan_of(undeclared, registry)["steps"][0]["data"] == {"objectId": "$input:obj"}


def test_unknown_input_type_in_declaration_is_reported(registry: Registry) -> None:
    errors = errors_of(flow(node("a", "emit"), inputs={"f": {"type": "file"}}), registry)
    assert errors[0]["field"] == "inputs.f.type"


def test_auto_wiring_fills_an_empty_required_input_from_the_source_output(registry: Registry) -> None:
    plan = plan_of(flow(node("a", "emit"), node("b", "useObject", objectId=""), edges=[("a", "b")]), registry)
    assert plan["steps"][1]["data"]["objectId"] == "$from:a:$output:objectId"


def test_auto_wiring_never_overrides_an_explicit_value(registry: Registry) -> None:
    plan = plan_of(flow(node("a", "emit"), node("b", "useObject", objectId="fixed"), edges=[("a", "b")]),
                   registry)
    assert plan["steps"][1]["data"]["objectId"] == "fixed"


def test_ambiguous_auto_wiring_is_an_error_not_a_guess(registry: Registry) -> None:
    document = flow(node("a", "emit"), node("b", "emit"), node("c", "useObject"),
                    edges=[("a", "c"), ("b", "c")])
    errors = errors_of(document, registry)
    assert [(e["nodeId"], e["field"], e["code"]) for e in errors] == [("c", "objectId", "AMBIGUOUS_WIRING")]
    assert errors[0]["candidates"] == ["a", "b"]


def test_handles_wire_the_named_output_into_the_named_input(registry: Registry) -> None:
    document = flow(node("a", "emit"), node("b", "emit"), node("c", "useObject"))
    document["edges"] = [
        {"id": "e1", "source": "a", "target": "c", "sourceHandle": "objectId", "targetHandle": "objectId"},
        {"id": "e2", "source": "b", "target": "c", "sourceHandle": "value", "targetHandle": "label"},
    ]
    data = plan_of(document, registry)["steps"][2]["data"]
    assert data == {"objectId": "$from:a:$output:objectId", "label": "$from:b:$output:value"}


def test_handles_naming_unknown_fields_are_errors(registry: Registry) -> None:
    document = flow(node("a", "emit"), node("c", "useObject"))
    document["edges"] = [{"id": "e1", "source": "a", "target": "c", "sourceHandle": "nope",
                          "targetHandle": "alsoNope"}]
    errors = errors_of(document, registry)
    assert [(e["field"], e["code"]) for e in errors[:2]] == [
        ("edges[0].sourceHandle", "INVALID_REFERENCE"), ("edges[0].targetHandle", "INVALID_REFERENCE")]


def test_react_flow_extra_keys_are_accepted(registry: Registry) -> None:
    document = {
        "id": "rf", "viewport": {"x": 0, "y": 0, "zoom": 1},
        "nodes": [
            {"id": "a", "type": "emit", "position": {"x": 0, "y": 0}, "selected": True, "dragging": False,
             "measured": {"width": 150, "height": 40}, "style": {"color": "red"}, "data": {"value": 3}},
            {"id": "b", "type": "useObject", "position": {"x": 200, "y": 0}, "data": {}},
        ],
        "edges": [{"id": "e", "source": "a", "target": "b", "sourceHandle": None, "targetHandle": None,
                   "animated": True, "type": "smoothstep", "markerEnd": {"type": "arrow"}}],
    }
    plan = plan_of(document, registry)
    assert plan["steps"][1]["data"] == {"objectId": "$from:a:$output:objectId"}


@pytest.mark.parametrize(
    ("document", "field", "needle"),
    [
        ([1, 2], None, "JSON object"),
        ({"id": "x"}, "nodes", "'nodes'"),
        ({"nodes": "abc"}, "nodes", "'nodes'"),
        ({"nodes": [{"type": "emit"}]}, "nodes[0].id", "no 'id'"),
        ({"nodes": [42]}, "nodes[0]", "must be an object"),
        ({"nodes": [{"id": "a"}]}, "type", "no 'type'"),
        ({"nodes": [{"id": "a", "type": "emit", "data": [1]}]}, "data", "'data'"),
        ({"nodes": [], "edges": {"a": 1}}, "edges", "'edges'"),
    ],
)
def test_malformed_documents_are_reported_clearly(
    registry: Registry, document: Any, field: str | None, needle: str
) -> None:
    errors = errors_of(document, registry)
    assert errors[0]["code"] == "INVALID_INPUT"
    assert errors[0]["field"] == field and needle in errors[0]["message"]


def test_duplicate_node_ids_are_reported(registry: Registry) -> None:
    errors = errors_of(flow(node("a", "emit"), node("a", "emit")), registry)
    assert errors[0]["nodeId"] == "a" and "more than one node" in errors[0]["message"]


def test_edges_to_unknown_nodes_are_reported(registry: Registry) -> None:
    errors = errors_of(flow(node("a", "emit"), edges=[("a", "ghost"), ("nobody", "a")]), registry)
    assert [(e["nodeId"], e["field"]) for e in errors] == [("a", "edges[0].target"), ("a", "edges[1].source")]
    assert all(e["code"] == "INVALID_REFERENCE" for e in errors)


def test_literal_inputs_are_validated_against_the_node_model(registry: Registry) -> None:
    errors = errors_of(flow(node("a", "sleep", seconds="soon"), node("b", "useObject"),
                            node("c", "sleep", seconds=-1)), registry)
    assert [(e["nodeId"], e["field"], e["code"]) for e in errors] == [
        ("a", "seconds", "INVALID_INPUT"), ("b", "objectId", "INVALID_INPUT"),
        ("c", "seconds", "INVALID_INPUT")]
    assert "required input 'objectId' is missing" in errors[1]["message"]


def test_referenced_fields_are_left_for_run_time_validation(registry: Registry) -> None:
    plan = plan_of(flow(node("a", "emit"), node("b", "sleep", seconds="$from:a:$output:value")), registry)
    assert plan["steps"][1]["data"] == {"seconds": "$from:a:$output:value"}


def test_all_problems_are_reported_at_once(registry: Registry) -> None:
    document = flow(node("a", "nope"), node("b", "useObject", objectId="$from:zz:$output:objectId"),
                    node("c", "sleep", seconds="x"), node("d", "emit"), node("e", "emit"),
                    edges=[("d", "e"), ("e", "d"), ("d", "ghost")])
    codes = sorted(e["code"] for e in errors_of(document, registry))
    assert codes == ["CYCLE_DETECTED", "INVALID_INPUT", "INVALID_REFERENCE", "INVALID_REFERENCE",
                     "UNKNOWN_NODE_TYPE"]


def test_compiling_never_changes_the_callers_document(registry: Registry) -> None:
    document = flow(node("a", "emit"), node("b", "useObject"), edges=[("a", "b")])
    before = json.dumps(document, sort_keys=True)
    plan_of(document, registry)
    assert json.dumps(document, sort_keys=True) == before


@pytest.mark.parametrize("count", [0, 1, _HASH_CHUNK - 1, _HASH_CHUNK, _HASH_CHUNK + 1, 2 * _HASH_CHUNK + 3])
@pytest.mark.parametrize("inputs", [None, {"file": {"type": "string", "default": "Pluie ☂.wav"}}])
def test_a_plan_hash_is_the_sha256_of_the_whole_canonical_text_hashed_in_chunks(
    count: int, inputs: dict[str, Any] | None
) -> None:
    steps = [PlanStep(f"n{i}", "createSound", {"name": f"Sönd {i}", "z": [i, None], "a": {"b": True}},
                      [f"n{i - 1}"] if i else [], i) for i in range(count)]
    whole = canonical_json(["flow", inputs, [[s.nodeId, s.type, s.data, s.deps, s.level] for s in steps]])
    assert plan_hash("flow", inputs, steps) == hashlib.sha256(whole.encode()).hexdigest()
