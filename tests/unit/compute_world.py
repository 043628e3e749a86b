"""What the compute unit tests share: the caller's ids, and instances as a launch leaves them,
saved straight through the repositories so a test needs none of the launch use cases."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime

from ecsim.clock import FrozenClock
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.network_interface import NetworkInterface
from ecsim.store.sqlite import SqliteStore

ACCOUNT = "1000000000000042"
OTHER = "1000000000000043"
REGION = "cn-hangzhou"
ZONE = "cn-hangzhou-i"
UBUNTU = "ubuntu_22_04_x64_20G_alibase_20240130.vhd"
WINDOWS = "win2019_1809_x64_dtc_en-us_40G_alibase_20240613.vhd"


def an_instance(instance_id: str, **fields: object) -> Instance:
    """A Running VPC instance of ``ACCOUNT`` (not saved); ``fields`` override."""
    instance = Instance(
        instance_id=instance_id,
        account_id=ACCOUNT,
        region_id=REGION,
        zone_id=ZONE,
        instance_type="ecs.g6.large",
        image_id=UBUNTU,
        name=instance_id,
        description="",
        host_name=instance_id,
        network_type=InstanceNetworkType.VPC,
        vpc_id="vpc-1",
        vswitch_id="vsw-1",
        primary_eni_id=f"eni-{instance_id}",
        status=InstanceStatus.RUNNING,
        scheduled=(),
        created_at=datetime(2024, 1, 2, tzinfo=UTC),
    )
    return replace(instance, **fields)  # type: ignore[arg-type]


def save_instance(
    store: SqliteStore,
    clock: FrozenClock,
    instance_id: str,
    *,
    account: str = ACCOUNT,
    region: str = REGION,
    octet: int = 10,
    classic: bool = False,
    groups: tuple[str, ...] = ("sg-web",),
    **fields: object,
) -> Instance:
    """An instance and its primary interface, as a launch leaves them."""
    launched: dict[str, object] = {
        "account_id": account,
        "region_id": region,
        "zone_id": f"{region}-i",
        "host_name": f"host-{instance_id}",
        "network_type": InstanceNetworkType.CLASSIC if classic else InstanceNetworkType.VPC,
        "vpc_id": None if classic else "vpc-1",
        "vswitch_id": None if classic else "vsw-1",
        "created_at": clock.now(),
    }
    instance = an_instance(instance_id, **(launched | fields))
    InstanceRepository(store).save(instance)
    NetworkInterfaceRepository(store).save(
        NetworkInterface(
            eni_id=f"eni-{instance_id}",
            account_id=account,
            region_id=region,
            vpc_id=instance.vpc_id,
            vswitch_id=instance.vswitch_id,
            primary_ip=ipaddress.IPv4Address(f"{'10.96' if classic else '192.168'}.0.{octet}"),
            security_group_ids=groups,
            instance_id=instance_id,
            mac_address=f"00:16:3e:00:00:{octet:02x}",
            zone_id=instance.zone_id,
        )
    )
    return instance
