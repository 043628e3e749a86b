"""Launching instances: RunInstances and CreateInstance (reference §3.2).

Everything is checked before anything is written, in the order ECS checks it: the request's
own values, the image, the instance type, the disks (the data disks planned from the image's
mappings, DataDisk.N and their snapshots), the security groups, where the instance goes (a
vSwitch of the groups' VPC, or the region's classic network), the key pair. Then each
instance is created with its primary network interface (the security groups belong to the
interface), a private address, a public one when RunInstances is given bandwidth, and its
tags (on the interface too). All of it is one store transaction: a batch that fails part way
leaves nothing behind. With MinAmount, a vSwitch that runs out of addresses ends the batch
instead, once MinAmount instances exist.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from ecsim.clock import Clock
from ecsim.control.catalog import Catalog
from ecsim.control.compute_repositories import InstanceRepository, KeyPairRepository
from ecsim.control.eip_pool import AddressPool
from ecsim.control.error_builders import fixed
from ecsim.control.image_mappings import LaunchDataDisk
from ecsim.control.images import Images
from ecsim.control.instance_disks import InstanceDisks, PendingImage
from ecsim.control.instance_lifecycle import NOT_STOPPED, launched
from ecsim.control.launch_checks import (
    InstanceNames,
    check_amount,
    check_disk_categories,
    check_system_disk_level,
    check_values,
    instance_names,
    system_disk_size,
)
from ecsim.control.launch_placement import Placement, Placements
from ecsim.control.private_addresses import PrivateAddresses, mac_address
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.tags import Tags
from ecsim.delays import Delays
from ecsim.errors import EcsError, MissingParameter
from ecsim.ids import IdFactory
from ecsim.model.image import Image
from ecsim.model.instance import Instance, InstanceNetworkType, InstanceStatus
from ecsim.model.instance_spec import LaunchMode, LaunchSpec
from ecsim.model.network_interface import NetworkInterface
from ecsim.settings import Limits
from ecsim.store.base import ResourceRecord, Store, TagOwner
from ecsim.store.codecs import eips as eip_codec
from ecsim.store.codecs import instances as instance_codec
from ecsim.store.codecs import network_interfaces as eni_codec

__all__ = ["Launcher", "claim_public_ip", "free_public_ip"]

_invalid_type = fixed(
    "The specified InstanceType beyond the permitted range.",
    code="InvalidInstanceType.ValueNotSupported",
    http_status=400,
)
_windows_key_pair = fixed(
    "The instance creating is window, cannot use ssh key pair to login.",
    code="DependencyViolation.WindowsInstance",
    http_status=403,
)
# With a data plane, instances are Linux containers on the host's OS: a Windows image can be
# listed, copied, shared and imaged, but nothing could run it. API-only servers keep launching
# Windows instances as records (OSType, host-name and password rules, key-pair refusals).
_windows_cannot_boot = fixed(
    "The specified image runs Windows; this server's instances are Linux containers, so "
    "Windows images cannot be launched here (run with --dataplane none for API records).",
    code="InvalidImage.NotSupported",
    http_status=403,
)
_key_pair_not_found = fixed(
    "The specified parameter KeyPairName does not exist in our records.",
    code="InvalidKeyPairName.NotFound",
    http_status=404,
)

# PrivateAddresses' refusal when a vSwitch has no free address left.
_EXHAUSTED = "InvalidVSwitchId.IpNotEnough"


def claim_public_ip(
    store: Store, instance: Instance, address: ipaddress.IPv4Address | None = None
) -> ipaddress.IPv4Address:
    """``address`` (by default the next free one of the host's public pool), held for
    ``instance`` by a claim record under the address, as EIPs are held: the claim keeps the
    two from ever sharing an address. A chosen address is the caller's to check."""
    if address is None:
        address = AddressPool(store).next_free()
    store.put_resource(
        ResourceRecord(
            eip_codec.KIND_ADDRESS,
            str(address),
            instance.account_id,
            instance.region_id,
            {"instance_id": instance.instance_id},
        )
    )
    return address


def free_public_ip(store: Store, address: str) -> None:
    store.delete_resource(eip_codec.KIND_ADDRESS, address)


@dataclass(frozen=True)
class _Plan:
    """What every instance of the batch shares, once checked."""

    spec: LaunchSpec
    mode: LaunchMode
    image: Image
    placement: Placement
    names: list[InstanceNames]
    system_disk_size: int
    data_disks: list[LaunchDataDisk]


class Launcher:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        catalog: Catalog,
        tags: Tags,
        images: Images,
        delays: Delays,
        disks: InstanceDisks,
        *,
        boots_instances: bool = False,
    ) -> None:
        self._store = store
        self._disks = disks
        self._boots_instances = boots_instances
        self._ids = ids
        self._clock = clock
        self._catalog = catalog
        self._tags = tags
        self._images = images
        self._delays = delays
        self._placements = Placements(store, clock, limits, catalog)
        self._instances = InstanceRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)
        self._key_pairs = KeyPairRepository(store)
        self._addresses = PrivateAddresses(store)

    def launch(
        self,
        account_id: str,
        region_id: str,
        spec: LaunchSpec,
        mode: LaunchMode,
        *,
        amount: int = 1,
        min_amount: int | None = None,
    ) -> list[Instance]:
        check_amount(amount, min_amount)
        instance_ids = [self._ids.new("instance") for _ in range(amount)]
        plan = self._plan(account_id, region_id, spec, mode, instance_ids)
        created: list[Instance] = []
        pending: list[PendingImage] = []
        with self._store.transaction():
            for index, instance_id in enumerate(instance_ids):
                try:
                    instance = self._create(account_id, region_id, plan, index, instance_id)
                except EcsError as error:
                    enough = min_amount is not None and len(created) >= min_amount
                    if error.code == _EXHAUSTED and enough:
                        break
                    raise
                created.append(instance)
                pending += self._disks.create_records(
                    instance,
                    spec,
                    plan.system_disk_size,
                    plan.data_disks,
                    plan.image.system_snapshot_id,
                )
            # last: the images are the one write the store's transaction cannot take back
            self._disks.make_images(pending)
        return created

    # -- checks

    def _plan(
        self,
        account_id: str,
        region_id: str,
        spec: LaunchSpec,
        mode: LaunchMode,
        instance_ids: list[str],
    ) -> _Plan:
        check_values(spec, self._clock.now())
        if not spec.image_id:
            raise MissingParameter("ImageId")
        # the image is looked up before the type (an unknown image is what ECS reports first),
        # and checked against the type's processor once the type is known
        self._images.require_launchable(region_id, spec.image_id, account_id=account_id)
        if not spec.instance_type:
            raise MissingParameter("InstanceType")
        instance_type = self._catalog.instance_type(spec.instance_type)
        if instance_type is None:
            raise _invalid_type()
        image = self._images.require_launchable(
            region_id, spec.image_id, account_id=account_id, instance_type=instance_type
        )
        if image.is_windows and self._boots_instances:
            raise _windows_cannot_boot()
        names = instance_names(spec, instance_ids, windows=image.is_windows)
        disk_size = system_disk_size(spec, image)
        check_system_disk_level(spec, disk_size)
        data_disks = self._disks.plan_data_disks(account_id, region_id, image, spec, mode)
        placement = self._placements.place(account_id, region_id, spec)
        check_disk_categories(spec, data_disks, placement.zone)
        if spec.key_pair_name is not None:
            if image.is_windows:
                raise _windows_key_pair()
            if self._key_pairs.named(account_id, region_id, spec.key_pair_name) is None:
                raise _key_pair_not_found()
        return _Plan(spec, mode, image, placement, names, disk_size, data_disks)

    # -- creation

    def _create(
        self, account_id: str, region_id: str, plan: _Plan, index: int, instance_id: str
    ) -> Instance:
        spec, placement = plan.spec, plan.placement
        eni_id = self._ids.new("eni")
        private_ip = self._private_ip(account_id, region_id, placement, eni_id, index)
        now = self._clock.now()
        vswitch = placement.vswitch
        instance = Instance(
            instance_id=instance_id,
            account_id=account_id,
            region_id=region_id,
            zone_id=placement.zone.zone_id,
            instance_type=spec.instance_type,
            image_id=plan.image.image_id,
            name=plan.names[index].name,
            description=spec.description,
            host_name=plan.names[index].host_name,
            network_type=(
                InstanceNetworkType.VPC if vswitch is not None else InstanceNetworkType.CLASSIC
            ),
            vpc_id=vswitch.vpc_id if vswitch is not None else None,
            vswitch_id=vswitch.vswitch_id if vswitch is not None else None,
            primary_eni_id=eni_id,
            status=InstanceStatus.PENDING,
            scheduled=(),
            created_at=now,
            user_data=spec.user_data,
            password=spec.password,
            key_pair_name=spec.key_pair_name or "",
            internet_max_bandwidth_out=spec.internet_max_bandwidth_out,
            internet_max_bandwidth_in=spec.internet_max_bandwidth_in or 200,
            internet_charge_type=spec.internet_charge_type,
            instance_charge_type=spec.instance_charge_type,
            spot_strategy=spec.spot_strategy,
            io_optimized=spec.io_optimized,
            stopped_mode=NOT_STOPPED,
            deletion_protection=spec.deletion_protection,
            resource_group_id=spec.resource_group_id,
            system_disk_category=spec.system_disk.category or "cloud_efficiency",
            system_disk_size=plan.system_disk_size,
            serial_number=self._ids.request_id().lower(),
            auto_release_time=spec.auto_release_time,
            http_endpoint=spec.http_endpoint,
            http_tokens=spec.http_tokens,
            http_put_response_hop_limit=spec.http_put_response_hop_limit,
        )
        instance = launched(instance, now, self._delays.instance_step, plan.mode)
        if plan.mode is LaunchMode.RUN and spec.internet_max_bandwidth_out > 0:
            instance = _with_public_ip(instance, claim_public_ip(self._store, instance))
        self._interfaces.save(
            NetworkInterface(
                eni_id=eni_id,
                account_id=account_id,
                region_id=region_id,
                vpc_id=instance.vpc_id,
                vswitch_id=instance.vswitch_id,
                primary_ip=private_ip,
                security_group_ids=tuple(g.group_id for g in placement.groups),
                instance_id=instance_id,
                primary=True,
                mac_address=mac_address(eni_id),
                zone_id=instance.zone_id,
                created_at=now,
            )
        )
        self._instances.save(instance)
        for kind, resource_id in ((instance_codec.KIND, instance_id), (eni_codec.KIND, eni_id)):
            self._tags.attach(TagOwner(account_id, region_id, kind, resource_id), spec.tags)
        return instance

    def _private_ip(
        self, account_id: str, region_id: str, placement: Placement, eni_id: str, index: int
    ) -> ipaddress.IPv4Address:
        if placement.vswitch is None:
            return self._addresses.allocate_classic(region_id, account_id, eni_id)
        first = placement.private_ip
        # a batch given PrivateIpAddress gets consecutive addresses from it
        requested = first + index if first is not None else None
        return self._addresses.allocate(placement.vswitch, eni_id, requested)


def _with_public_ip(instance: Instance, address: ipaddress.IPv4Address) -> Instance:
    return replace(instance, public_ip=str(address))
