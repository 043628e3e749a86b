"""RunInstances refusals through tea V3: each bad input gets its documented code and HTTP
status, and nothing of the batch stays behind."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from alibabacloud_ecs20140526 import models as ecs_models

from tests.support.clients import assert_refused
from tests.support.worlds import REGION, WINDOWS_IMAGE, World


def _tag(key: str, value: str) -> ecs_models.RunInstancesRequestTag:
    return ecs_models.RunInstancesRequestTag(key=key, value=value)


_LARGE_USER_DATA = base64.b64encode(b"x" * (32 * 1024 + 1)).decode()

BAD_INPUTS: list[tuple[str, dict[str, object], str, int]] = [
    ("unknown image", {"image_id": "no_such_image.vhd"}, "InvalidImageId.NotFound", 404),
    (
        "unknown type",
        {"instance_type": "ecs.nope.large"},
        "InvalidInstanceType.ValueNotSupported",
        400,
    ),
    (
        "type not sold in the zone",
        {"instance_type": "ecs.n1.small"},
        "InvalidInstanceType.ZoneNotSupported",
        403,
    ),
    ("unknown zone", {"zone_id": "cn-hangzhou-z"}, "InvalidZoneId.NotFound", 404),
    ("zone of another vSwitch", {"zone_id": "cn-hangzhou-j"}, "InvalidParameter.VSwitchId", 400),
    ("no group", {"security_group_id": None}, "MissingParameter", 400),
    ("unknown group", {"security_group_id": "sg-nope"}, "InvalidSecurityGroupId.NotFound", 404),
    ("unknown vSwitch", {"v_switch_id": "vsw-nope"}, "InvalidVSwitchId.NotFound", 404),
    ("VPC group without vSwitch", {"v_switch_id": None}, "MissingParameter", 400),
    ("bad password", {"password": "short1A"}, "InvalidPassword.Malformed", 400),
    ("two-class password", {"password": "onlylower123"}, "InvalidPassword.Malformed", 400),
    ("bad host name", {"host_name": "-bad-"}, "InvalidHostName.Malformed", 400),
    (
        "bad instance name",
        {"instance_name": "1starts-with-digit"},
        "InvalidInstanceName.Malformed",
        400,
    ),
    (
        "bad ordered name",
        {"instance_name": "web-[x,y]"},
        "InvalidInstanceName.CustomMalformed",
        400,
    ),
    ("bad description", {"description": "http://x"}, "InvalidDescription.Malformed", 400),
    (
        "user data not base64",
        {"user_data": "not base64!"},
        "InvalidUserData.Base64FormatInvalid",
        403,
    ),
    ("user data too large", {"user_data": _LARGE_USER_DATA}, "InvalidUserData.SizeExceeded", 400),
    (
        "bandwidth over 100",
        {"internet_max_bandwidth_out": 101},
        "InvalidInternetMaxBandwidthOut.Malformed",
        400,
    ),
    (
        "unknown charge type",
        {"internet_charge_type": "PayByLuck"},
        "InvalidInternetChargeType.ValueNotSupported",
        400,
    ),
    ("unknown key pair", {"key_pair_name": "nope"}, "InvalidKeyPairName.NotFound", 404),
    (
        "address outside the vSwitch",
        {"private_ip_address": "10.9.9.9"},
        "InvalidPrivateIpAddress",
        400,
    ),
    (
        "malformed address",
        {"private_ip_address": "192.168.1.300"},
        "InvalidPrivateIpAddress.Malformed",
        400,
    ),
    ("reserved address", {"private_ip_address": "192.168.1.0"}, "InvalidPrivateIpAddress", 400),
    ("amount over 100", {"amount": 101}, "InvalidParam.Amount", 403),
    ("min amount over amount", {"amount": 2, "min_amount": 3}, "InvalidMinAmount.Malformed", 400),
    ("io optimized value", {"io_optimized": "maybe"}, "InvalidIoOptimize.ValueNotSupported", 400),
    (
        "system disk category",
        {"system_disk": ecs_models.RunInstancesRequestSystemDisk(category="floppy")},
        "InvalidSystemDiskCategory.ValueNotSupported",
        400,
    ),
    (
        "system disk smaller than the image",
        {
            "image_id": WINDOWS_IMAGE,
            "system_disk": ecs_models.RunInstancesRequestSystemDisk(size=30),
        },
        "InvalidSystemDiskSize.LessThanImageSize",
        404,
    ),
    (
        "data disk size",
        {"data_disk": [ecs_models.RunInstancesRequestDataDisk(size=1, category="cloud_ssd")]},
        "InvalidDataDiskSize.ValueNotSupported",
        400,
    ),
    (
        "deletion protection on a spot instance",
        {"deletion_protection": True, "spot_strategy": "SpotAsPriceGo"},
        "InvalidChargeType.ValueNotSupported",
        403,
    ),
    ("image family", {"image_family": "nope"}, "UnexpectedImageFamily.ImageIdSupplied", 400),
]


@pytest.mark.parametrize(
    ("fields", "code", "status"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_launch_input_is_refused_and_creates_nothing(
    world: World, fields: dict[str, object], code: str, status: int
) -> None:
    launch = {"amount": 2} | fields
    assert_refused(lambda: world.run(**launch), code, status)
    assert world.instances() == []


def test_group_combinations_are_refused(world: World) -> None:
    other_vpc = world.vpc("10.0.0.0/16")
    cases: list[tuple[Callable[[], object], str, int]] = [
        (
            lambda: world.run(security_group_id=world.group(vpc_id=other_vpc)),
            "InvalidParameter.Mismatch",
            400,
        ),
        (
            lambda: world.run(security_group_id=world.group(vpc_id=None)),
            "InvalidSecurityGroup.NetworkType",
            400,
        ),
        (
            lambda: world.run(
                security_group_id=None,
                security_group_ids=[world.group_id, world.group(group_type="enterprise")],
            ),
            "EnterpriseGroupLimited.MutliGroupType",
            403,
        ),
        (
            lambda: world.run(
                security_group_id=None,
                security_group_ids=[world.group_id, world.group(vpc_id=None)],
            ),
            "InvalidSecurityGroupId.MultiGroupIdNetworkTypeConflict",
            400,
        ),
        (
            lambda: world.run(
                security_group_id=None,
                security_group_ids=[world.group_id, world.group(vpc_id=other_vpc)],
            ),
            "InvalidSecurityGroup.VpcMismatch",
            400,
        ),
        (
            lambda: world.run(security_group_ids=[world.group()]),
            "InvalidSecurityGroupId.SingleIdAndMultiIdConflict",
            400,
        ),
        (
            lambda: world.run(
                security_group_id=None, security_group_ids=[world.group_id, world.group_id]
            ),
            "InvalidParameter.SecurityGroupIdRepeated",
            400,
        ),
        (
            lambda: world.run(
                security_group_id=None,
                security_group_ids=[world.group_id] + [world.group() for _ in range(5)],
            ),
            "JoinedGroupLimitExceed",
            400,
        ),
    ]
    for call, code, status in cases:
        assert_refused(call, code, status)
    assert world.instances() == []


def test_failed_batch_of_five_leaves_nothing(world: World) -> None:
    """The third address is taken: nothing of the batch stays, not even the first two
    addresses, which a later launch can have."""
    (taken,) = world.run(private_ip_address="192.168.1.52")
    assert_refused(
        lambda: world.run(5, private_ip_address="192.168.1.50", tag=[_tag("batch", "5")]),
        "InvalidPrivateIpAddress.Duplicated",
        400,
    )
    assert [i.instance_id for i in world.instances()] == [taken]
    enis = world.client.describe_network_interfaces(
        ecs_models.DescribeNetworkInterfacesRequest(region_id=REGION, v_switch_id=world.vswitch_id)
    ).body.network_interface_sets.network_interface_set
    assert len(enis) == 1
    again = world.run(2, private_ip_address="192.168.1.50")
    assert len(again) == 2
