"""What the kernel should hold, read from the database: the data plane's ``WorldPlan``.

One router per network with a running instance (each VPC, and each region's classic network,
shared by every account); one namespace per running instance, with a port per attached
interface (the primary first, as eth0); the gates of each router compiled from the same engine
``Evaluator`` the reachability analyzer uses; its attached disks (their images): the system
disk, whose file system is the instance's writable root, and the data disks. Stopped instances
keep their files but no namespace.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path

from ecsim.control.compute_repositories import InstanceRepository, KeyPairRepository
from ecsim.control.disk_rules import DiskRepository
from ecsim.control.instance_metadata import metadata_for
from ecsim.control.network_repositories import VpcRepository, VSwitchRepository
from ecsim.control.online_resizes import online_sizes
from ecsim.control.private_addresses import CLASSIC_BLOCK
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.resource_repository import ResourceRepository
from ecsim.control.topology_builder import CLASSIC, TopologyBuilder
from ecsim.dataplane.compiler import compile_router
from ecsim.dataplane.plan import DiskPort, EniPort, InstancePlan, Naming, RouterPlan, WorldPlan
from ecsim.engine.evaluate import Evaluator
from ecsim.errors import EcsError
from ecsim.model.disk import DiskStatus, DiskType
from ecsim.model.eip import Eip
from ecsim.model.instance import Instance, InstanceStatus
from ecsim.model.network import Vpc, VSwitch
from ecsim.model.network_interface import NetworkInterface
from ecsim.storage.base import StorageError
from ecsim.store.base import Store
from ecsim.store.codecs import eips as eip_codec

__all__ = ["PlanBuilder", "classic_network", "gateway_of", "guest_device"]

# what runs: an instance on its way up is already reachable, as soon as its namespace exists
_RUNNING = frozenset({InstanceStatus.STARTING, InstanceStatus.RUNNING})
# the system disk (the API's /dev/xvda) inside the instance
_SYSTEM_GUEST_DEVICE = "vda"
_GIB = 2**30


@dataclass(frozen=True)
class _Disks:
    """An account's attached disks, by instance."""

    data: dict[str, tuple[DiskPort, ...]]
    system: dict[str, DiskPort]


def gateway_of(block: IPv4Network) -> IPv4Address:
    """A vSwitch's gateway: ECS reserves the first and the last three addresses of a block and
    answers as gateway on the third from last (x.x.x.253 in a /24)."""
    return block.broadcast_address - 2


def classic_network(region_id: str) -> str:
    """The network id of a region's classic network (its router's name)."""
    return f"classic-{region_id}"


def _eip_missing() -> EcsError:
    return EcsError("an EIP of the plan vanished")


class PlanBuilder:
    def __init__(
        self,
        store: Store,
        naming: Naming,
        disk_path: Callable[[str], Path],
        *,
        bootable: Callable[[str, str, str], bool] = lambda account, region, image: True,
    ) -> None:
        self._store = store
        self._naming = naming
        # (account, region, image id) -> whether the data plane can run it: not a Windows
        # instance an API-only server launched. Asked once per image per build (a custom
        # image's lookup reads the account's images).
        self._bootable = bootable
        # a disk's raw image (the block store's)
        self._disk_path = disk_path
        self._disks = DiskRepository(store)
        self._instances = InstanceRepository(store)
        self._key_pairs = KeyPairRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)
        self._vpcs = VpcRepository(store)
        self._vswitches = VSwitchRepository(store)
        self._eips = ResourceRepository(
            store, eip_codec.KIND, eip_codec.encode_eip, eip_codec.decode_eip, _eip_missing
        )
        self._topologies = TopologyBuilder(store)
        # compiled rulesets, reused while the evaluator and the ports are the same
        self._compiled: dict[str, tuple[Evaluator, tuple[EniPort, ...], str]] = {}

    def build(self, now: datetime) -> WorldPlan:
        bootable: dict[tuple[str, str, str], bool] = {}
        instances: list[InstancePlan] = []
        ports_by_vpc: dict[str, list[EniPort]] = {}
        # network id -> (the engine view's scope, region, the view's network key)
        owners: dict[str, tuple[str, str, str | None]] = {}
        for account in self._store.list_accounts():
            account_id = account.account_id
            eips = self._eips_by_interface(account_id)
            listed = self._instances.owned_by(account_id)
            attached = _by_instance(
                self._interfaces.attached_to(account_id, [i.instance_id for i in listed])
            )
            # the account's disks, read once there is a running instance to show them in
            disks: _Disks | None = None
            for instance in listed:
                image = (account_id, instance.region_id, instance.image_id)
                if image not in bootable:
                    bootable[image] = self._bootable(*image)
                if not bootable[image]:
                    continue
                plan = self._instance(instance, attached.get(instance.instance_id, []), eips, now)
                if plan is None:
                    continue
                if plan.running:
                    disks = self._disk_ports(account_id) if disks is None else disks
                    plan = replace(
                        plan,
                        disks=disks.data.get(instance.instance_id, ()),
                        system_disk=disks.system.get(instance.instance_id),
                    )
                instances.append(plan)
                if plan.running:
                    ports_by_vpc.setdefault(plan.network_id, []).extend(plan.ports)
                    owners[plan.network_id] = (
                        (account_id, instance.region_id, instance.vpc_id)
                        if instance.vpc_id is not None
                        else (CLASSIC, instance.region_id, None)
                    )
        routers = self._routers(ports_by_vpc, owners)
        return WorldPlan(routers=routers, instances=tuple(instances))

    def _disk_ports(self, account_id: str) -> _Disks:
        """The attached disks of the account's instances, by instance: the system disk, and
        the data disks in device order (a system disk attached at a data disk's device, as a
        detached one is, is a data disk there)."""
        found: dict[str, list[DiskPort]] = {}
        system: dict[str, DiskPort] = {}
        grown = online_sizes(self._store, account_id)
        for disk in self._disks.owned_by(account_id):
            if disk.status is not DiskStatus.IN_USE or not disk.instance_id:
                continue
            try:
                image = self._disk_path(disk.disk_id)
            except StorageError:
                continue  # a record whose image a crash did not let be made
            # what an online ResizeDisk grew it to: the running instance's device follows
            size = grown.get(disk.disk_id, 0) * _GIB
            port = DiskPort(disk.disk_id, image, guest_device(disk.device), size)
            if disk.disk_type is DiskType.SYSTEM and port.device == _SYSTEM_GUEST_DEVICE:
                system[disk.instance_id] = port
            else:
                found.setdefault(disk.instance_id, []).append(port)
        data = {
            instance_id: tuple(sorted(ports, key=lambda p: (len(p.device), p.device)))
            for instance_id, ports in found.items()
        }
        return _Disks(data, system)

    def _eips_by_interface(self, account_id: str) -> dict[str, IPv4Address]:
        found: dict[str, IPv4Address] = {}
        eips: Iterable[Eip] = self._eips.owned_by(account_id)
        for eip in eips:
            if eip.binding is not None:
                found[eip.binding.eni_id] = eip.address
        return found

    def _instance(
        self,
        instance: Instance,
        interfaces: list[NetworkInterface],
        eips: dict[str, IPv4Address],
        now: datetime,
    ) -> InstancePlan | None:
        primary = [i for i in interfaces if i.eni_id == instance.primary_eni_id]
        ordered = primary + [i for i in interfaces if i.eni_id != instance.primary_eni_id]
        ports: list[EniPort] = []
        vswitches: list[VSwitch] = []
        for number, interface in enumerate(ordered):
            if interface.vswitch_id is None:
                # the classic network: one block for the region, the router its gateway
                block = CLASSIC_BLOCK
            else:
                vswitch = self._vswitches.find(interface.vswitch_id)
                if vswitch is None:
                    return None
                vswitches.append(vswitch)
                block = vswitch.cidr_block
            eip = eips.get(interface.eni_id)
            if eip is None and number == 0 and instance.public_ip:
                eip = IPv4Address(instance.public_ip)
            ports.append(
                EniPort(
                    eni_id=interface.eni_id,
                    instance_id=instance.instance_id,
                    ifname=self._naming.port_ifname(interface.eni_id),
                    guest_ifname=f"eth{number}",
                    address=interface.primary_ip,
                    network=block,
                    gateway=gateway_of(block),
                    mac=interface.mac_address,
                    group_ids=interface.security_group_ids,
                    eip=eip,
                )
            )
        if not ports:
            return None
        vpc: Vpc | None = self._vpcs.find(instance.vpc_id or "")
        key_pair = (
            self._key_pairs.named(instance.account_id, instance.region_id, instance.key_pair_name)
            if instance.key_pair_name
            else None
        )
        public_keys = {key_pair.name: key_pair.public_key} if key_pair is not None else {}
        user_data = _decoded(instance.user_data)
        return InstancePlan(
            instance_id=instance.instance_id,
            network_id=instance.vpc_id or classic_network(instance.region_id),
            netns=self._naming.instance_netns(instance.instance_id),
            running=instance.status_at(now) in _RUNNING,
            ports=tuple(ports),
            hostname=instance.host_name or instance.instance_id,
            boot=instance.started_at.isoformat() if instance.started_at else "",
            force_stop=instance.force_stop,
            password=instance.password,
            authorized_keys="".join(f"{key}\n" for key in public_keys.values()),
            user_data=user_data,
            metadata=metadata_for(
                instance,
                ordered,
                vpc=vpc,
                vswitches=vswitches,
                eip=str(ports[0].eip) if ports[0].eip is not None else None,
                public_keys=public_keys,
            )
            if instance.http_endpoint == "enabled"
            else {},
            tokens_required=instance.http_tokens == "required"
            and instance.http_endpoint == "enabled",
        )

    def _routers(
        self,
        ports_by_vpc: dict[str, list[EniPort]],
        owners: dict[str, tuple[str, str, str | None]],
    ) -> tuple[RouterPlan, ...]:
        blocks: dict[IPv4Network, set[str]] = {}
        for vpc_id, members in ports_by_vpc.items():
            for port in members:
                blocks.setdefault(port.network, set()).add(vpc_id)
        routers: list[RouterPlan] = []
        for vpc_id, listed in sorted(ports_by_vpc.items()):
            ports = tuple(listed)
            scope, region_id, network_key = owners[vpc_id]
            evaluator = self._topologies.view(region_id, scope).evaluator(network_key)
            gateways = sorted({IPv4Interface(f"{p.gateway}/32") for p in ports})
            # a vSwitch block is routed from the host when no other network uses an
            # overlapping one (private addresses are reachable from the host when unambiguous)
            private = {
                p.network
                for p in ports
                if not any(
                    other != vpc_id
                    for block, users in blocks.items()
                    if block.overlaps(p.network)
                    for other in users
                )
            }
            public = {IPv4Network(f"{p.eip}/32") for p in ports if p.eip is not None}
            routers.append(
                RouterPlan(
                    network_id=vpc_id,
                    netns=self._naming.router_netns(vpc_id),
                    host_ifname=self._naming.host_ifname(vpc_id),
                    gateways=tuple(gateways),
                    ports=ports,
                    ruleset=self._ruleset(vpc_id, evaluator, ports),
                    host_routes=tuple(sorted(private | public)),
                )
            )
        return tuple(routers)

    def _ruleset(self, vpc_id: str, evaluator: Evaluator, ports: tuple[EniPort, ...]) -> str:
        cached = self._compiled.get(vpc_id)
        if cached is not None and cached[0] is evaluator and cached[1] == ports:
            return cached[2]
        text: str = compile_router(evaluator, ports)
        self._compiled[vpc_id] = (evaluator, ports, text)
        return text


def guest_device(device: str) -> str:
    """The name inside the instance of the API's ``Device``: ECS shows /dev/xvdb, a Linux
    instance sees the virtio disk /dev/vdb (guide §3)."""
    name = device.removeprefix("/dev/")
    return f"vd{name[3:]}" if name.startswith("xvd") else name


def _by_instance(interfaces: Iterable[NetworkInterface]) -> dict[str, list[NetworkInterface]]:
    found: dict[str, list[NetworkInterface]] = {}
    for interface in interfaces:
        if interface.instance_id is not None:
            found.setdefault(interface.instance_id, []).append(interface)
    return found


def _decoded(user_data: str) -> bytes:
    """UserData is Base64 on the wire (and stored so); a script runs from its decoded bytes."""
    if not user_data:
        return b""
    try:
        return base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError):
        return user_data.encode()
