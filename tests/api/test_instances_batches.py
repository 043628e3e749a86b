"""The batch forms StartInstances, StopInstances, RebootInstances and DeleteInstances through
tea V3, tea v2 and the old SDK: per-instance answers, AllTogether and SuccessFirst, DryRun's
DRYRUN.SUCCESS, the 100-id limit."""

from __future__ import annotations

import json
import uuid

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkecs.request.v20140526.StopInstancesRequest import StopInstancesRequest

from tests.support.clients import acs_client, assert_refused, refusal
from tests.support.server import RunningServer
from tests.support.worlds import REGION, World, new_world


def _responses(body: object) -> dict[str, tuple[str, str, str]]:
    items = body.instance_responses.instance_response  # type: ignore[attr-defined]
    return {i.instance_id: (i.code, i.previous_status, i.current_status) for i in items}


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_batch_stop_start_reboot(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    client = world.client
    ids = world.run(3)
    stopped = client.stop_instances(
        ecs_models.StopInstancesRequest(
            region_id=REGION, instance_id=ids, stopped_mode="KeepCharging", force_stop=True
        )
    ).body
    assert _responses(stopped) == {i: ("200", "Running", "Stopping") for i in ids}
    assert {i.status for i in world.instances(ids)} == {"Stopped"}
    started = client.start_instances(
        ecs_models.StartInstancesRequest(region_id=REGION, instance_id=ids)
    ).body
    assert _responses(started) == {i: ("200", "Stopped", "Starting") for i in ids}
    rebooted = client.reboot_instances(
        ecs_models.RebootInstancesRequest(region_id=REGION, instance_id=ids)
    ).body
    assert _responses(rebooted) == {i: ("200", "Running", "Starting") for i in ids}
    assert {i.status for i in world.instances(ids)} == {"Running"}


def test_batch_all_together_changes_none_on_a_refusal(world: World) -> None:
    running = world.run(2)
    stopped = world.create()
    ids = [*running, stopped]
    assert_refused(
        lambda: world.client.stop_instances(
            ecs_models.StopInstancesRequest(region_id=REGION, instance_id=ids)
        ),
        "IncorrectInstanceStatus",
        403,
    )
    assert_refused(
        lambda: world.client.stop_instances(
            ecs_models.StopInstancesRequest(region_id=REGION, instance_id=[*running, "i-nosuch"])
        ),
        "InvalidInstanceId.NotFound",
        404,
    )
    assert {world.status(i) for i in running} == {"Running"}


def test_batch_success_first_reports_each(world: World) -> None:
    running = world.run(2)
    stopped = world.create()
    body = world.client.stop_instances(
        ecs_models.StopInstancesRequest(
            region_id=REGION,
            instance_id=[*running, stopped, "i-nosuch"],
            batch_optimization="SuccessFirst",
        )
    ).body
    answers = _responses(body)
    assert {answers[i] for i in running} == {("200", "Running", "Stopping")}
    assert answers[stopped] == ("IncorrectInstanceStatus", "", "")
    assert answers["i-nosuch"] == ("InvalidInstanceId.NotFound", "", "")
    assert {world.status(i) for i in running} == {"Stopped"}


def test_batch_dry_run_answers_dryrun_success(world: World) -> None:
    ids = world.run(2)
    for call in (
        lambda: world.client.stop_instances(
            ecs_models.StopInstancesRequest(region_id=REGION, instance_id=ids, dry_run=True)
        ),
        lambda: world.client.reboot_instances(
            ecs_models.RebootInstancesRequest(region_id=REGION, instance_id=ids, dry_run=True)
        ),
        lambda: world.client.delete_instances(
            ecs_models.DeleteInstancesRequest(
                region_id=REGION, instance_id=ids, dry_run=True, force=True
            )
        ),
    ):
        assert refusal(call) == ("DRYRUN.SUCCESS", 400)
    assert {world.status(i) for i in ids} == {"Running"}
    # StartInstances validates first: these are running
    assert_refused(
        lambda: world.client.start_instances(
            ecs_models.StartInstancesRequest(region_id=REGION, instance_id=ids, dry_run=True)
        ),
        "IncorrectInstanceStatus",
        403,
    )


def test_batch_limits(world: World) -> None:
    too_many = [f"i-{n:020d}" for n in range(101)]
    assert_refused(
        lambda: world.client.start_instances(
            ecs_models.StartInstancesRequest(region_id=REGION, instance_id=too_many)
        ),
        "InvalidParameter.TooManyInstanceIds",
        403,
    )
    assert_refused(
        lambda: world.client.start_instances(ecs_models.StartInstancesRequest(region_id=REGION)),
        "MissingParameter",
        400,
    )


def test_delete_instances_is_all_or_nothing(server: RunningServer, world: World) -> None:
    running = world.run(2)
    stopped = world.create()
    assert_refused(
        lambda: world.client.delete_instances(
            ecs_models.DeleteInstancesRequest(region_id=REGION, instance_id=[stopped, *running])
        ),
        "IncorrectInstanceStatus",
        403,
    )
    assert len(world.instances()) == 3
    token = uuid.uuid4().hex
    request = ecs_models.DeleteInstancesRequest(
        region_id=REGION, instance_id=[stopped, *running], force=True, client_token=token
    )
    world.client.delete_instances(request)
    assert world.instances() == []
    # the same token answers the first result again
    world.client.delete_instances(request)


def test_stop_instances_with_the_old_sdk(server: RunningServer, world: World) -> None:
    ids = world.run(2)
    client = acs_client(server.endpoint, world.key)
    request = StopInstancesRequest()
    request.set_InstanceIds(ids)
    request.set_ForceStop(True)
    body = json.loads(client.do_action_with_exception(request))
    answers = body["InstanceResponses"]["InstanceResponse"]
    assert {(a["InstanceId"], a["Code"]) for a in answers} == {(i, "200") for i in ids}
    assert {world.status(i) for i in ids} == {"Stopped"}
