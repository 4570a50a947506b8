"""The gRPC front door with a real client over a real port, against the daemon and the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_daemon import TOKEN, GrpcDaemon
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from grpc_workflows import cyclic_workflow, four_node_workflow
from wwiseflowd_grpc import wwiseflow_pb2 as pb
from wwiseflowd_grpc.status import STATUS_BY_CODE, result_of

from wwiseflowd.default_plugins.wwise.wav import write_wav
from wwiseflowd.results import ErrorCode, Result

pytestmark = pytest.mark.integration


def failure(call: Any, *args: Any, **kwargs: Any) -> tuple[grpc.StatusCode, Result]:
    """The status code and the Result in the details of a call that must fail."""
    with pytest.raises(grpc.RpcError) as caught:
        reply = call(*args, **kwargs)
        if not isinstance(reply, pb.ValidateReply | pb.ExecuteReply | pb.CommandReply):
            list(reply)  # a stream fails while it is read
    result = result_of(caught.value)
    assert result is not None, "the Result must travel in the status details"
    return caught.value.code(), result


def test_execute_runs_the_four_node_workflow_against_the_emulator(daemon: GrpcDaemon, waapi_sim: Any) -> None:
    wav = write_wav(daemon.audio / "Footstep_01.wav")
    reply = daemon.stub.Execute(pb.ExecuteRequest(workflow_json=json.dumps(four_node_workflow(wav))))
    execution = json.loads(reply.result_json)
    assert (reply.ok, reply.status, reply.workflow_id) == (True, "succeeded", "import-one"), execution
    assert reply.execution_id == execution["executionId"] and reply.code == ""
    assert [r["node"] for r in execution["results"]] == ["n1", "n2", "n3", "n4"]
    assert execution["source"] == "grpc"
    uris = [call["uri"] for call in waapi_sim.calls]
    assert "ak.wwise.core.object.create" in uris and "ak.wwise.core.audio.import" in uris


def test_a_compile_error_is_invalid_argument_with_every_problem_in_the_details(daemon: GrpcDaemon) -> None:
    request = json.dumps(cyclic_workflow())
    for call, message in ((daemon.stub.Validate, pb.ValidateRequest(workflow_json=request)),
                          (daemon.stub.Execute, pb.ExecuteRequest(workflow_json=request))):
        code, result = failure(call, message)
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        problems = {e["code"] for e in result.data["errors"]}
        assert {"CYCLE_DETECTED", "UNKNOWN_NODE_TYPE"} <= problems, result


def test_validate_answers_the_plan(daemon: GrpcDaemon) -> None:
    wav = write_wav(daemon.audio / "a.wav")
    reply = daemon.stub.Validate(pb.ValidateRequest(workflow_json=json.dumps(four_node_workflow(wav))))
    assert (reply.ok, reply.workflow_id, reply.steps) == (True, "import-one", 4)
    assert [s["nodeId"] for s in json.loads(reply.result_json)["data"]["steps"]] == ["n1", "n2", "n3", "n4"]


def test_bad_json_and_paths_outside_the_allowed_folders_are_refused(
    daemon: GrpcDaemon, tmp_path: Any
) -> None:
    code, result = failure(daemon.stub.Validate, pb.ValidateRequest(workflow_json="{nodes: ["))
    assert (code, result.code) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_INPUT")
    assert "workflow_json is not valid JSON" in (result.error or "")
    outside = write_wav(tmp_path / "elsewhere" / "x.wav")
    request = pb.ExecuteRequest(workflow_json=json.dumps(four_node_workflow(outside)))
    code, result = failure(daemon.stub.Execute, request)
    assert (code, result.code) == (grpc.StatusCode.PERMISSION_DENIED, "FORBIDDEN")


def test_stream_events_of_a_streamed_run_end_with_its_execution_result(daemon: GrpcDaemon) -> None:
    wav = write_wav(daemon.audio / "Footstep_02.wav")
    workflow = four_node_workflow(wav, name="Footstep_02")
    run = pb.ExecuteRequest(workflow_json=json.dumps(workflow), execution_id="exec_streamed")
    events = list(daemon.stub.StreamEvents(pb.StreamEventsRequest(run=run), timeout=60))
    types = [e.type for e in events]
    assert types[0] == "run.started" and types[-2:] == ["run.finished", "execution.result"]
    finished = [e.node_id for e in events if e.type == "node.finished"]
    assert finished == ["n1", "n2", "n3", "n4"]
    assert {e.execution_id for e in events} == {"exec_streamed"}
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert json.loads(events[-1].result_json)["ok"] is True


def test_a_streamed_run_that_does_not_compile_fails_before_any_event(daemon: GrpcDaemon) -> None:
    run = pb.ExecuteRequest(workflow_json=json.dumps(cyclic_workflow()))
    code, _result = failure(daemon.stub.StreamEvents, pb.StreamEventsRequest(run=run))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_run_command_answers_the_result_and_maps_failures_to_status_codes(daemon: GrpcDaemon) -> None:
    reply = daemon.stub.RunCommand(pb.CommandRequest(name="query_waql",
                                                     payload_json=json.dumps({"waql": "$ from type Bus"})))
    assert reply.ok and json.loads(reply.result_json)["ok"] is True
    assert json.loads(reply.data_json) == json.loads(reply.result_json)["data"]
    missing = json.dumps({"name": "X", "parentPath": "\\Actor-Mixer Hierarchy\\Nowhere"})
    request = pb.CommandRequest(name="create_sound", payload_json=missing)
    code, result = failure(daemon.stub.RunCommand, request)
    assert (code, result.code) == (grpc.StatusCode.NOT_FOUND, "OBJECT_NOT_FOUND")
    code, result = failure(daemon.stub.RunCommand, pb.CommandRequest(name="no_such_command"))
    assert (code, result.code) == (grpc.StatusCode.NOT_FOUND, "NOT_FOUND")


def test_an_unauthenticated_call_is_refused_and_the_token_lets_it_in(daemon_with_token: GrpcDaemon) -> None:
    daemon = daemon_with_token
    request = pb.ValidateRequest(workflow_json=json.dumps(cyclic_workflow()))
    for metadata in ((), (("authorization", "Bearer wrong"),)):
        code, result = failure(daemon.stub.Validate, request, metadata=metadata)
        assert (code, result.code) == (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHORIZED")
        assert "authorization: Bearer <token>" in (result.error or "")
    code, _ = failure(daemon.stub.StreamEvents, pb.StreamEventsRequest(execution_id="x"))
    assert code == grpc.StatusCode.UNAUTHENTICATED
    code, _ = failure(daemon.stub.Validate, request, metadata=daemon.metadata)
    assert code == grpc.StatusCode.INVALID_ARGUMENT  # let in: now the workflow is what is wrong
    assert daemon.metadata == (("authorization", f"Bearer {TOKEN}"),)


def test_server_reflection_describes_the_service(daemon: GrpcDaemon) -> None:
    database = ProtoReflectionDescriptorDatabase(daemon.channel)
    assert "wwiseflow.v1.WwiseFlow" in database.get_services()
    service = database.FindFileContainingSymbol("wwiseflow.v1.WwiseFlow")
    methods = {m.name for m in service.service[0].method}
    assert methods == {"Validate", "Execute", "StreamEvents", "RunCommand"}


def test_every_error_code_has_a_grpc_status_and_a_row_in_the_docs() -> None:
    assert set(STATUS_BY_CODE) == set(ErrorCode)
    docs = (Path(__file__).resolve().parents[3] / "docs" / "grpc.md").read_text(encoding="utf-8")
    missing = [code.value for code in ErrorCode if f"`{code.value}`" not in docs]
    assert not missing, f"add these codes to the status table in docs/grpc.md: {missing}"
