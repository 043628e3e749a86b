"""Automatic snapshot policies through the official SDKs (tea V3 and v2, and the old core
SDK with its lowerCamel setters). The scheduler itself is tested in tests/unit."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from aliyunsdkecs.request.v20140526.ApplyAutoSnapshotPolicyRequest import (
    ApplyAutoSnapshotPolicyRequest,
)
from aliyunsdkecs.request.v20140526.CreateAutoSnapshotPolicyRequest import (
    CreateAutoSnapshotPolicyRequest,
)
from aliyunsdkecs.request.v20140526.DescribeAutoSnapshotPolicyExRequest import (
    DescribeAutoSnapshotPolicyExRequest,
)

from tests.support.clients import acs_client, assert_refused, tea_ecs
from tests.support.server import RunningServer
from tests.support.worlds import REGION, ZONE, new_key


def _client(server: RunningServer, signature: str = "v3") -> EcsClient:
    return tea_ecs(server.endpoint, new_key(server), signature=signature)


def _create(client: EcsClient, **fields: object) -> str:
    request = ecs_models.CreateAutoSnapshotPolicyRequest(
        **(
            {
                "region_id": REGION,
                "time_points": '["1", "13"]',
                "repeat_weekdays": '["1", "5"]',
                "retention_days": 7,
            }
            | fields
        )
    )
    return str(client.create_auto_snapshot_policy(request).body.auto_snapshot_policy_id)


def _policies(
    client: EcsClient, **fields: object
) -> list[
    ecs_models.DescribeAutoSnapshotPolicyExResponseBodyAutoSnapshotPoliciesAutoSnapshotPolicy
]:
    request = ecs_models.DescribeAutoSnapshotPolicyExRequest(
        **({"region_id": REGION, "page_size": 100} | fields)
    )
    return list(
        client.describe_auto_snapshot_policy_ex(
            request
        ).body.auto_snapshot_policies.auto_snapshot_policy
    )


def _disk(client: EcsClient) -> str:
    request = ecs_models.CreateDiskRequest(
        region_id=REGION, zone_id=ZONE, disk_category="cloud_essd", size=20
    )
    return str(client.create_disk(request).body.disk_id)


def _apply(client: EcsClient, policy_id: str, disk_ids: list[str]) -> None:
    client.apply_auto_snapshot_policy(
        ecs_models.ApplyAutoSnapshotPolicyRequest(
            region_id=REGION, auto_snapshot_policy_id=policy_id, disk_ids=json.dumps(disk_ids)
        )
    )


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_describe_modify_delete(server: RunningServer, signature: str) -> None:
    client = _client(server, signature)
    policy_id = _create(client, auto_snapshot_policy_name="nightly", time_points='["13", "1"]')
    assert policy_id.startswith("sp-")
    (policy,) = _policies(client, auto_snapshot_policy_id=policy_id)
    assert policy.auto_snapshot_policy_name == "nightly"
    assert json.loads(policy.time_points) == ["1", "13"]
    assert json.loads(policy.repeat_weekdays) == ["1", "5"]
    assert (policy.retention_days, policy.status, policy.disk_nums) == (7, "Normal", 0)
    assert (policy.region_id, policy.volume_nums) == (REGION, 0)

    client.modify_auto_snapshot_policy_ex(
        ecs_models.ModifyAutoSnapshotPolicyExRequest(
            region_id=REGION,
            auto_snapshot_policy_id=policy_id,
            retention_days=-1,
            time_points='["0"]',
        )
    )
    (policy,) = _policies(client, auto_snapshot_policy_name="nightly")
    assert (policy.retention_days, json.loads(policy.time_points)) == (-1, ["0"])

    client.delete_auto_snapshot_policy(
        ecs_models.DeleteAutoSnapshotPolicyRequest(
            region_id=REGION, auto_snapshot_policy_id=policy_id
        )
    )
    assert _policies(client) == []
    assert_refused(
        lambda: client.delete_auto_snapshot_policy(
            ecs_models.DeleteAutoSnapshotPolicyRequest(
                region_id=REGION, auto_snapshot_policy_id=policy_id
            )
        ),
        "ParameterInvalid",
        404,
    )


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"time_points": '["24"]'}, "ParameterInvalid", 403),
        ({"time_points": "[]"}, "ParameterInvalid", 403),
        ({"time_points": "1,2"}, "ParameterInvalid", 403),
        ({"repeat_weekdays": '["0"]'}, "ParameterInvalid", 403),
        ({"repeat_weekdays": '["8"]'}, "ParameterInvalid", 403),
        ({"retention_days": 0}, "ParameterInvalid", 403),
        ({"retention_days": 65536}, "ParameterInvalid", 403),
        ({"auto_snapshot_policy_name": "1abc"}, "InvalidSnapshotPolicyName.Malformed", 400),
        ({"auto_snapshot_policy_name": "x"}, "InvalidSnapshotPolicyName.Malformed", 400),
        ({"region_id": "cn-nowhere"}, "InvalidRegionId.NotFound", 404),
    ],
)
def test_create_refusals_write_nothing(
    server: RunningServer, fields: dict[str, object], code: str, status: int
) -> None:
    client = _client(server)
    assert_refused(lambda: _create(client, **fields), code, status)
    assert _policies(client) == []


def test_apply_and_cancel_move_disks_between_policies(server: RunningServer) -> None:
    client = _client(server)
    first, second = _create(client), _create(client)
    disk_a, disk_b = _disk(client), _disk(client)
    _apply(client, first, [disk_a, disk_b])
    _apply(client, second, [disk_b])  # a disk carries one policy: b moves
    counts = {p.auto_snapshot_policy_id: p.disk_nums for p in _policies(client)}
    assert counts == {first: 1, second: 1}
    disks = client.describe_disks(
        ecs_models.DescribeDisksRequest(region_id=REGION, disk_ids=json.dumps([disk_a, disk_b]))
    ).body.disks.disk
    assert {d.disk_id: d.auto_snapshot_policy_id for d in disks} == {
        disk_a: first,
        disk_b: second,
    }
    client.cancel_auto_snapshot_policy(
        ecs_models.CancelAutoSnapshotPolicyRequest(region_id=REGION, disk_ids=json.dumps([disk_a]))
    )
    counts = {p.auto_snapshot_policy_id: p.disk_nums for p in _policies(client)}
    assert counts == {first: 0, second: 1}
    # deleting a policy frees its disks
    client.delete_auto_snapshot_policy(
        ecs_models.DeleteAutoSnapshotPolicyRequest(region_id=REGION, auto_snapshot_policy_id=second)
    )
    _apply(client, first, [disk_b])
    assert [p.disk_nums for p in _policies(client)] == [1]


def test_apply_refusals_write_nothing(server: RunningServer) -> None:
    client = _client(server)
    policy_id, disk_id = _create(client), _disk(client)
    assert_refused(
        lambda: _apply(client, policy_id, [disk_id, "d-missing"]), "InvalidDiskId.NotFound", 404
    )
    assert_refused(lambda: _apply(client, "sp-missing", [disk_id]), "ParameterInvalid", 404)
    assert [p.disk_nums for p in _policies(client)] == [0]
    # another account's disk is not found either
    other = _client(server)
    assert_refused(lambda: _apply(other, _create(other), [disk_id]), "InvalidDiskId.NotFound", 404)


def test_the_old_sdk_uses_the_lower_camel_setters(server: RunningServer) -> None:
    key = new_key(server)
    client = acs_client(server.endpoint, key)
    create = CreateAutoSnapshotPolicyRequest()
    # the request class has no regionId setter; the action needs it under that name
    create.add_query_param("regionId", REGION)
    create.set_autoSnapshotPolicyName("old-sdk")
    create.set_timePoints('["2"]')
    create.set_repeatWeekdays('["7"]')
    create.set_retentionDays(3)
    policy_id = json.loads(client.do_action_with_exception(create))["AutoSnapshotPolicyId"]
    disk_id = _disk(tea_ecs(server.endpoint, key))
    apply = ApplyAutoSnapshotPolicyRequest()
    apply.add_query_param("regionId", REGION)
    apply.set_autoSnapshotPolicyId(policy_id)
    apply.set_diskIds(json.dumps([disk_id]))
    client.do_action_with_exception(apply)
    describe = DescribeAutoSnapshotPolicyExRequest()
    describe.set_AutoSnapshotPolicyId(policy_id)
    body = json.loads(client.do_action_with_exception(describe))
    (policy,) = body["AutoSnapshotPolicies"]["AutoSnapshotPolicy"]
    assert (policy["AutoSnapshotPolicyName"], policy["TimePoints"]) == ("old-sdk", '["2"]')
    assert (policy["RepeatWeekdays"], policy["DiskNums"], body["TotalCount"]) == ('["7"]', 1, 1)


def test_modify_refusals_change_nothing(server: RunningServer) -> None:
    client = _client(server)
    policy_id = _create(client)

    def modify(**fields: object) -> None:
        client.modify_auto_snapshot_policy_ex(
            ecs_models.ModifyAutoSnapshotPolicyExRequest(
                **({"region_id": REGION, "auto_snapshot_policy_id": policy_id} | fields)
            )
        )

    assert_refused(lambda: modify(time_points='["-1"]'), "ParameterInvalid", 403)
    assert_refused(lambda: modify(retention_days=-2), "ParameterInvalid", 403)
    assert_refused(lambda: modify(auto_snapshot_policy_id="sp-missing"), "ParameterInvalid", 404)
    (policy,) = _policies(client)
    assert (policy.retention_days, json.loads(policy.time_points)) == (7, ["1", "13"])
