"""DescribeInstances and DescribeInstanceStatus through the official SDKs (tea V3, tea v2 and
the old aliyunsdkecs): the Instance shape, every filter, both paging styles, and the refusals.
Each test launches its instances in an account of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest
from aliyunsdkecs.request.v20140526.DescribeInstanceStatusRequest import (
    DescribeInstanceStatusRequest,
)

from tests.contract.meta import load_apis
from tests.support.clients import acs_client, assert_refused
from tests.support.response_shapes import keys_in_order, undocumented
from tests.support.server import RunningServer
from tests.support.worlds import IMAGE, INSTANCE_TYPE, REGION, WINDOWS_IMAGE, ZONE, World, new_world

MALFORMED_IDS = "InvalidInstanceIds.Malformed"


def _raw_instances(server: RunningServer, world: World, **params: str) -> dict[str, Any]:
    """DescribeInstances through the V1 SDK, the JSON body as sent (key order kept)."""
    request = DescribeInstancesRequest()
    for name, value in params.items():
        request.add_query_param(name, value)
    body: dict[str, Any] = json.loads(
        acs_client(server.endpoint, world.key).do_action_with_exception(request)
    )
    return body


# -- the shape --------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_a_vpc_instance_as_described(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    (instance_id,) = world.run(
        instance_name="web-1",
        description="the web server",
        host_name="web-1",
        tag=[ecs_models.RunInstancesRequestTag(key="env", value="prod")],
    )
    (item,) = world.instances(instance_ids=json.dumps([instance_id]))
    assert (item.instance_id, item.instance_name, item.description) == (
        instance_id,
        "web-1",
        "the web server",
    )
    assert (item.region_id, item.zone_id, item.status) == (REGION, ZONE, "Running")
    assert (item.image_id, item.instance_type, item.instance_type_family) == (
        IMAGE,
        INSTANCE_TYPE,
        "ecs.g6",
    )
    assert (item.cpu, item.memory) == (2, 8192)
    assert (item.ostype, item.osname_en) == ("linux", "Ubuntu  22.04 64 bit")
    assert (item.instance_network_type, item.io_optimized) == ("vpc", True)
    assert item.instance_charge_type == "PostPaid"
    assert item.expired_time == "2099-12-31T15:59Z"
    assert item.security_group_ids.security_group_id == [world.group_id]
    vpc = item.vpc_attributes
    assert (vpc.vpc_id, vpc.v_switch_id) == (world.vpc_id, world.vswitch_id)
    (private_ip,) = vpc.private_ip_address.ip_address
    assert private_ip.startswith("192.168.1.")
    assert item.inner_ip_address.ip_address == []
    assert item.public_ip_address.ip_address == []
    assert item.eip_address.ip_address == ""
    (eni,) = item.network_interfaces.network_interface
    assert (eni.type, eni.primary_ip_address) == ("Primary", private_ip)
    assert eni.network_interface_id.startswith("eni-")
    assert eni.mac_address.startswith("00:16:3e:")
    (ip_set,) = eni.private_ip_sets.private_ip_set
    assert (ip_set.private_ip_address, ip_set.primary) == (private_ip, True)
    assert [(t.tag_key, t.tag_value) for t in item.tags.tag] == [("env", "prod")]
    assert item.operation_locks.lock_reason == []
    assert (item.metadata_options.http_endpoint, item.metadata_options.http_tokens) == (
        "enabled",
        "optional",
    )


def test_keys_come_in_alphabetical_order_for_footmark(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    body = _raw_instances(server, world, RegionId=REGION, InstanceIds=json.dumps([instance_id]))
    (item,) = body["Instances"]["Instance"]
    keys = list(item)
    assert keys.index("EipAddress") < keys.index("PublicIpAddress")
    assert keys_in_order(item)


def test_every_key_is_documented(server: RunningServer, world: World, api_meta_dir: Path) -> None:
    world.run(internet_max_bandwidth_out=5)
    body = _raw_instances(server, world, RegionId=REGION)
    schema = load_apis(api_meta_dir, "2014-05-26")["DescribeInstances"].response
    assert undocumented(body, schema) == []


def test_a_classic_instance_with_bandwidth_gets_a_public_address(world: World) -> None:
    classic_group = world.group(vpc_id=None)
    instance_id = world.run_classic(
        classic_group, internet_max_bandwidth_out=5, image_id=WINDOWS_IMAGE
    )
    (item,) = world.instances(instance_ids=json.dumps([instance_id]))
    assert item.instance_network_type == "classic"
    (inner,) = item.inner_ip_address.ip_address
    assert inner.startswith("10.")
    (public,) = item.public_ip_address.ip_address
    assert public.startswith("198.1")
    assert item.vpc_attributes.vpc_id == ""
    assert item.vpc_attributes.private_ip_address.ip_address == []
    assert item.ostype == "windows"
    assert world.ids(inner_ip_addresses=json.dumps([inner])) == [instance_id]
    assert world.ids(public_ip_addresses=json.dumps([public])) == [instance_id]
    assert world.ids(instance_network_type="classic") == [instance_id]


def test_an_associated_eip_shows_as_eip_address(world: World) -> None:
    (instance_id,) = world.run()
    eip = world.client.allocate_eip_address(
        ecs_models.AllocateEipAddressRequest(region_id=REGION)
    ).body
    world.client.associate_eip_address(
        ecs_models.AssociateEipAddressRequest(
            allocation_id=eip.allocation_id, instance_id=instance_id
        )
    )
    (item,) = world.instances(eip_addresses=json.dumps([eip.eip_address]))
    assert item.instance_id == instance_id
    assert (item.eip_address.allocation_id, item.eip_address.ip_address) == (
        eip.allocation_id,
        eip.eip_address,
    )
    assert item.eip_address.is_support_unassociate is True


# -- filters ----------------------------------------------------------------------------------


def test_filters(world: World) -> None:
    first, second = world.run(2, instance_name="web-1")
    other_group = world.group()
    other_vswitch = world.client.create_vswitch(
        ecs_models.CreateVSwitchRequest(
            region_id=REGION,
            vpc_id=world.vpc_id,
            zone_id="cn-hangzhou-h",
            cidr_block="192.168.2.0/24",
        )
    ).body.v_switch_id
    (third,) = world.run(
        instance_name="db-1",
        security_group_id=other_group,
        v_switch_id=other_vswitch,
        instance_type="ecs.c6.large",
        tag=[ecs_models.RunInstancesRequestTag(key="role", value="db")],
    )
    assert world.ids() == [first, second, third]
    assert world.ids(instance_name="web*") == [first, second]
    assert world.ids(instance_name="*-1") == [first, second, third]
    assert world.ids(instance_name="db-1") == [third]
    assert world.ids(security_group_id=other_group) == [third]
    assert world.ids(v_switch_id=other_vswitch) == [third]
    assert world.ids(zone_id="cn-hangzhou-h") == [third]
    assert world.ids(vpc_id=world.vpc_id, status="Running") == [first, second, third]
    assert world.ids(status="Stopped") == []
    assert world.ids(instance_type="ecs.c6.large") == [third]
    assert world.ids(instance_type_family="ecs.g6") == [first, second]
    assert world.ids(image_id=IMAGE, instance_network_type="vpc") == [first, second, third]
    assert world.ids(tag=[ecs_models.DescribeInstancesRequestTag(key="role")]) == [third]
    assert world.ids(tag=[ecs_models.DescribeInstancesRequestTag(key="role", value="x")]) == []
    assert world.ids(instance_ids=json.dumps([third, first])) == [third, first]
    assert world.ids(instance_ids="[]") == []
    (address,) = world.instances(instance_ids=json.dumps([second]))[
        0
    ].vpc_attributes.private_ip_address.ip_address
    assert world.ids(private_ip_addresses=json.dumps([address])) == [second]
    assert world.ids(io_optimized=True, instance_charge_type="PostPaid") == [first, second, third]
    assert world.ids(lock_reason="security") == []
    created = world.instances(instance_ids=json.dumps([first]))[0].creation_time
    window = [
        ecs_models.DescribeInstancesRequestFilter(key="CreationStartTime", value=created),
        ecs_models.DescribeInstancesRequestFilter(key="CreationEndTime", value=created),
    ]
    assert world.ids(filter=window) == [first, second, third]
    late = [
        ecs_models.DescribeInstancesRequestFilter(
            key="CreationStartTime", value="2999-01-01T00:00Z"
        )
    ]
    assert world.ids(filter=late) == []


def test_accounts_and_regions_do_not_mix(server: RunningServer, world: World) -> None:
    world.run()
    assert new_world(server).ids() == []
    assert world.ids(region_id="cn-beijing") == []


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [
        ({"instance_ids": "i-1"}, MALFORMED_IDS, 400),
        ({"instance_ids": '["i-1"'}, MALFORMED_IDS, 400),
        (
            {"instance_ids": json.dumps([f"i-{n}" for n in range(101)])},
            "InvalidInstanceIds.Malformed",
            400,
        ),
        ({"private_ip_addresses": "10.0.0.1"}, "InvalidPrivateIpAddress.Malformed", 400),
        ({"inner_ip_addresses": "{}"}, "InvalidInnerIpAddress.Malformed", 400),
        ({"public_ip_addresses": "[[1]]"}, "InvalidIpAddress.Malformed", 400),
        ({"eip_addresses": "x"}, "InvalidIpAddress.Malformed", 400),
        ({"status": "Sleeping"}, "InvalidStatus.NotFound", 404),
        ({"instance_network_type": "hybrid"}, "InvalidNetworkType.NotFound", 404),
        ({"instance_charge_type": "Free"}, "InvalidInstanceChargeType.NotFound", 404),
        ({"internet_charge_type": "Free"}, "InvalidInternetChargeType.ValueNotSupported", 404),
        ({"lock_reason": "boredom"}, "InvalidLockReason.NotFound", 404),
        ({"page_size": 0}, "InvalidParameter", 400),
        ({"page_number": 0}, "InvalidParameter", 400),
        ({"next_token": "made-up"}, "InvalidParameter.NextToken", 400),
        ({"region_id": "cn-atlantis"}, "InvalidRegionId.NotFound", 404),
        ({"dry_run": True}, "DryRunOperation", 400),
    ],
)
def test_refusals(world: World, fields: dict[str, Any], code: str, status: int) -> None:
    request = ecs_models.DescribeInstancesRequest(**({"region_id": REGION} | fields))
    assert_refused(lambda: world.client.describe_instances(request), code, status)


def test_filter_and_tag_refusals(world: World) -> None:
    cases = [
        (
            {"filter": [ecs_models.DescribeInstancesRequestFilter(key="Colour", value="blue")]},
            ("InvalidFilterKey.NotFound", 404),
        ),
        (
            {
                "filter": [
                    ecs_models.DescribeInstancesRequestFilter(
                        key="CreationStartTime", value="yesterday"
                    )
                ]
            },
            ("InvalidFilterValue", 404),
        ),
        (
            {"tag": [ecs_models.DescribeInstancesRequestTag(value="orphan")]},
            ("InvalidTag.Mismatch", 400),
        ),
        (
            {"tag": [ecs_models.DescribeInstancesRequestTag(key=f"k{n}") for n in range(21)]},
            ("InvalidTagCount", 400),
        ),
    ]
    for fields, (code, status) in cases:
        request = ecs_models.DescribeInstancesRequest(region_id=REGION, **fields)
        assert_refused(lambda r=request: world.client.describe_instances(r), code, status)


def test_v1_sdk_describes_by_instance_ids(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    request = DescribeInstancesRequest()
    request.set_InstanceIds(json.dumps([instance_id]))
    body = json.loads(acs_client(server.endpoint, world.key).do_action_with_exception(request))
    (item,) = body["Instances"]["Instance"]
    assert (item["InstanceId"], item["Status"]) == (instance_id, "Running")
    assert (body["TotalCount"], body["PageNumber"], body["PageSize"]) == (1, 1, 10)
    request.set_Status("Sleeping")
    with pytest.raises(ServerException) as caught:
        acs_client(server.endpoint, world.key).do_action_with_exception(request)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "InvalidStatus.NotFound",
        404,
    )


# -- paging -----------------------------------------------------------------------------------


def test_page_number_paging(world: World) -> None:
    launched = world.run(12)
    request = ecs_models.DescribeInstancesRequest(region_id=REGION, page_size=5, page_number=3)
    body = world.client.describe_instances(request).body
    assert (body.total_count, body.page_number, body.page_size) == (12, 3, 5)
    assert [i.instance_id for i in body.instances.instance] == launched[10:]
    # a size above the maximum reads as the maximum
    request = ecs_models.DescribeInstancesRequest(region_id=REGION, page_size=500)
    body = world.client.describe_instances(request).body
    assert (body.page_size, len(body.instances.instance)) == (100, 12)
    default = world.client.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id=REGION)
    ).body
    assert [i.instance_id for i in default.instances.instance] == launched[:10]


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_next_token_paging(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    launched = world.run(23)
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        # MaxResults under 10 reads as 10
        request = ecs_models.DescribeInstancesRequest(
            region_id=REGION, max_results=3, next_token=token
        )
        body = world.client.describe_instances(request).body
        seen += [i.instance_id for i in body.instances.instance]
        pages += 1
        if not body.next_token:
            break
        token = body.next_token
    assert (seen, pages) == (launched, 3)
    big = world.client.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id=REGION, max_results=100)
    ).body
    assert (len(big.instances.instance), big.next_token) == (23, "")


# -- DescribeInstanceStatus -------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_describe_instance_status(server: RunningServer, signature: str) -> None:
    world = new_world(server, signature=signature)
    first, second, third = world.run(3)
    body = world.client.describe_instance_status(
        ecs_models.DescribeInstanceStatusRequest(region_id=REGION, instance_id=[third, first])
    ).body
    statuses = [(s.instance_id, s.status) for s in body.instance_statuses.instance_status]
    assert statuses == [(first, "Running"), (third, "Running")]
    assert (body.total_count, body.page_number, body.page_size) == (2, 1, 10)
    paged = world.client.describe_instance_status(
        ecs_models.DescribeInstanceStatusRequest(region_id=REGION, page_size=2, page_number=2)
    ).body
    assert [s.instance_id for s in paged.instance_statuses.instance_status] == [third]
    zoned = world.client.describe_instance_status(
        ecs_models.DescribeInstanceStatusRequest(region_id=REGION, zone_id="cn-hangzhou-h")
    ).body
    assert zoned.instance_statuses.instance_status == []
    clamped = world.client.describe_instance_status(
        ecs_models.DescribeInstanceStatusRequest(region_id=REGION, page_size=80)
    ).body
    assert (clamped.page_size, clamped.total_count) == (50, 3)
    assert second in [s.instance_id for s in clamped.instance_statuses.instance_status]


def test_describe_instance_status_refusals(world: World) -> None:
    too_many = ecs_models.DescribeInstanceStatusRequest(
        region_id=REGION, instance_id=[f"i-{n}" for n in range(101)]
    )
    assert_refused(
        lambda: world.client.describe_instance_status(too_many),
        "InvalidParameter.TooManyInstanceIds",
        403,
    )
    no_zone = ecs_models.DescribeInstanceStatusRequest(region_id=REGION, zone_id="cn-beijing-a")
    assert_refused(
        lambda: world.client.describe_instance_status(no_zone), "InvalidZoneId.NotFound", 404
    )


def test_describe_instance_status_v1_sdk(server: RunningServer, world: World) -> None:
    (instance_id,) = world.run()
    request = DescribeInstanceStatusRequest()
    request.set_InstanceIds([instance_id])
    body = json.loads(acs_client(server.endpoint, world.key).do_action_with_exception(request))
    assert body["InstanceStatuses"]["InstanceStatus"] == [
        {"InstanceId": instance_id, "Status": "Running"}
    ]
