"""What the compute API tests stand on: a fresh account with one VPC, one vSwitch and one
security group in it, and the SDK calls that launch and list instances there.

The session's server is shared; each test makes its own account, so tests never meet each
other's instances, groups or quotas.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient

from tests.support.cli import create_account
from tests.support.clients import tea_ecs
from tests.support.server import RunningServer

REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
# the region's zone that still sells classic-network instances
CLASSIC_ZONE = "cn-hangzhou-h"
IMAGE = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
WINDOWS_IMAGE = "win2019_1809_x64_dtc_en-us_40G_alibase_20240613.vhd"
INSTANCE_TYPE = "ecs.g6.large"

DescribedInstance = ecs_models.DescribeInstancesResponseBodyInstancesInstance


@dataclass(frozen=True)
class World:
    """An account with one VPC, one vSwitch and one group in it."""

    key: tuple[str, str]
    client: EcsClient
    vpc_id: str
    vswitch_id: str
    group_id: str

    def run(self, amount: int = 1, **fields: object) -> list[str]:
        """RunInstances in the world's vSwitch and group (``fields`` override); the new
        instances' ids."""
        request = ecs_models.RunInstancesRequest(**(self._launch_defaults(amount=amount) | fields))
        body = self.client.run_instances(request).body
        return [str(i) for i in body.instance_id_sets.instance_id_set]

    def create(self, **fields: object) -> str:
        """CreateInstance in the world's vSwitch and group: it ends Stopped, with no public
        address whatever its bandwidth."""
        request = ecs_models.CreateInstanceRequest(**(self._launch_defaults() | fields))
        return str(self.client.create_instance(request).body.instance_id)

    def run_classic(self, group_id: str, **fields: object) -> str:
        """One instance on the region's classic network (no vSwitch), in a classic group."""
        (instance_id,) = self.run(
            1,
            **(
                {"security_group_id": group_id, "v_switch_id": None, "zone_id": CLASSIC_ZONE}
                | fields
            ),
        )
        return instance_id

    def _launch_defaults(self, **fields: object) -> dict[str, object]:
        return {
            "region_id": REGION,
            "image_id": IMAGE,
            "instance_type": INSTANCE_TYPE,
            "security_group_id": self.group_id,
            "v_switch_id": self.vswitch_id,
            **fields,
        }

    def instances(
        self, ids: Sequence[str] | None = None, **fields: object
    ) -> list[DescribedInstance]:
        """DescribeInstances in the world's region, up to 100: those of ``ids`` (all when
        None), filtered by ``fields``."""
        request = ecs_models.DescribeInstancesRequest(
            **({"region_id": REGION, "page_size": 100} | fields)
        )
        if ids is not None:
            request.instance_ids = json.dumps(list(ids))
        return list(self.client.describe_instances(request).body.instances.instance)

    def ids(self, **fields: object) -> list[str]:
        return [str(item.instance_id) for item in self.instances(None, **fields)]

    def snapshot(self, disk_id: str, *, timeout: float = 60) -> str:
        """CreateSnapshot of the disk, waited for (as ECS clients wait) until accomplished:
        a large one is taken in the background."""
        snapshot_id = str(
            self.client.create_snapshot(
                ecs_models.CreateSnapshotRequest(disk_id=disk_id)
            ).body.snapshot_id
        )
        deadline = time.monotonic() + timeout
        while True:
            request = ecs_models.DescribeSnapshotsRequest(
                region_id=REGION, snapshot_ids=f'["{snapshot_id}"]'
            )
            (found,) = self.client.describe_snapshots(request).body.snapshots.snapshot
            if found.status == "accomplished":
                return snapshot_id
            assert found.status == "progressing" and time.monotonic() < deadline, found.status
            time.sleep(0.02)

    def status(self, instance_id: str) -> str:
        (instance,) = self.instances([instance_id])
        return str(instance.status)

    def group(self, *, vpc_id: str | None = "", group_type: str | None = None) -> str:
        """Another group: in the world's VPC by default, classic with ``vpc_id=None``."""
        request = ecs_models.CreateSecurityGroupRequest(
            region_id=REGION,
            vpc_id=self.vpc_id if vpc_id == "" else vpc_id,
            security_group_type=group_type,
        )
        return str(self.client.create_security_group(request).body.security_group_id)

    def vswitch(self, cidr: str, *, vpc_id: str | None = None, zone: str = ZONE) -> str:
        request = ecs_models.CreateVSwitchRequest(
            region_id=REGION, vpc_id=vpc_id or self.vpc_id, zone_id=zone, cidr_block=cidr
        )
        return str(self.client.create_vswitch(request).body.v_switch_id)

    def vpc(self, cidr: str = "10.0.0.0/8") -> str:
        request = ecs_models.CreateVpcRequest(region_id=REGION, cidr_block=cidr)
        return str(self.client.create_vpc(request).body.vpc_id)


def new_key(server: RunningServer) -> tuple[str, str]:
    """The access key of a fresh account."""
    account = create_account(server.url)
    return account["AccessKeyId"], account["AccessKeySecret"]


def new_world(server: RunningServer, *, signature: str = "v3") -> World:
    """A world in a fresh account, its client signing with ``signature``."""
    key = new_key(server)
    return world_in(tea_ecs(server.endpoint, key, signature=signature), key)


def world_in(client: EcsClient, key: tuple[str, str]) -> World:
    """A new VPC (192.168.0.0/16), vSwitch (192.168.1.0/24) and group in ``client``'s
    account, whose access key is ``key``."""
    vpc_id = client.create_vpc(
        ecs_models.CreateVpcRequest(region_id=REGION, cidr_block="192.168.0.0/16")
    ).body.vpc_id
    vswitch_id = client.create_vswitch(
        ecs_models.CreateVSwitchRequest(
            region_id=REGION, vpc_id=vpc_id, zone_id=ZONE, cidr_block="192.168.1.0/24"
        )
    ).body.v_switch_id
    group_id = client.create_security_group(
        ecs_models.CreateSecurityGroupRequest(region_id=REGION, vpc_id=vpc_id)
    ).body.security_group_id
    return World(key, client, str(vpc_id), str(vswitch_id), str(group_id))
