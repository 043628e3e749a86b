"""What an instance reads from its metadata service (100.100.100.200), built from the model.

The result is the flat ``path -> text`` mapping ``InstancePlan.metadata`` carries (paths under
``/latest/``); the service derives its directory listings from the paths. The items and their
layout are ECS's documented ones (help.aliyun.com, "instance metadata"):

- ``meta-data/`` scalars (instance-id, region-id, zone-id, hostname, image-id, mac,
  private-ipv4, vpc/vswitch ids and blocks, owner-account-id, serial-number, network-type),
  ``instance/instance-type`` and ``instance/instance-name``;
- ``eipv4`` (the instance's public address: its EIP, else its fixed public IP) and
  ``public-ipv4`` (the fixed public IP only), each present only when there is one;
- ``network/interfaces/macs/<mac>/...`` per network interface;
- ``public-keys/<n>/openssh-key``, numbered from 0 as ECS and EC2 number them;
- ``source-address``: the package mirror the guide's §7 reads (``| head -n 1``, then appends
  ``/opsx/ecs/...``), so the first line is a bare base URL without a trailing slash;
- ``dns-conf/nameservers`` and ``ntp-conf/ntp-servers``, one per line;
- ``user-data`` (decoded from the API's base64) and ``dynamic/instance-identity/document``.

Texts are ``str``; user data that is not UTF-8 is carried with surrogate escapes, which the
service encodes back to the original bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from ecsim.model.instance import Instance
from ecsim.model.network import Vpc, VSwitch
from ecsim.model.network_interface import NetworkInterface

__all__ = ["DEFAULT_SERVICES", "HostServices", "metadata_for", "vswitch_gateway"]


@dataclass(frozen=True, slots=True)
class HostServices:
    """The services the metadata points instances at (ECS's internal endpoints by default;
    a data plane that answers elsewhere passes its own)."""

    # ECS's VPC resolvers
    nameservers: tuple[str, ...] = ("100.100.2.136", "100.100.2.138")
    ntp_servers: tuple[str, ...] = (
        "ntp.cloud.aliyuncs.com",
        "ntp1.cloud.aliyuncs.com",
        "ntp2.cloud.aliyuncs.com",
    )
    # the intranet yum/apt mirror every ECS region serves
    source_address: str = "http://mirrors.cloud.aliyuncs.com"


DEFAULT_SERVICES = HostServices()


def vswitch_gateway(block: IPv4Network) -> IPv4Address:
    """The vSwitch's gateway as ECS places it: the first of the three system addresses at the
    top of the block (192.168.1.253 in 192.168.1.0/24)."""
    return block.broadcast_address - 2


def _user_data(encoded: str) -> str | None:
    if not encoded:
        return None
    try:
        raw = base64.b64decode("".join(encoded.split()), validate=True)
    except (binascii.Error, ValueError):
        # the API validates user data; should a stored value not be base64, serve it as it is
        return encoded
    return raw.decode("utf-8", "surrogateescape") if raw else None


def _primary(instance: Instance, interfaces: Sequence[NetworkInterface]) -> NetworkInterface | None:
    for interface in interfaces:
        if interface.eni_id == instance.primary_eni_id:
            return interface
    return next((interface for interface in interfaces if interface.primary), None)


def _interface_items(
    interface: NetworkInterface, vpc: Vpc | None, vswitch: VSwitch | None
) -> dict[str, str]:
    items = {
        "network-interface-id": interface.eni_id,
        "primary-ip-address": str(interface.primary_ip),
        # a JSON array, as ECS prints it (an interface may hold several private addresses)
        "private-ipv4s": json.dumps([str(interface.primary_ip)]),
    }
    if interface.vpc_id:
        items["vpc-id"] = interface.vpc_id
    if vpc is not None and vpc.vpc_id == interface.vpc_id:
        items["vpc-cidr-block"] = str(vpc.cidr_block)
    if interface.vswitch_id:
        items["vswitch-id"] = interface.vswitch_id
    if vswitch is not None:
        items["vswitch-cidr-block"] = str(vswitch.cidr_block)
        items["netmask"] = str(vswitch.cidr_block.netmask)
        items["gateway"] = str(vswitch_gateway(vswitch.cidr_block))
    return items


def _identity_document(instance: Instance, primary: NetworkInterface | None) -> str:
    document = {
        "zone-id": instance.zone_id,
        "serial-number": instance.serial_number,
        "instance-id": instance.instance_id,
        "region-id": instance.region_id,
        "private-ipv4": str(primary.primary_ip) if primary is not None else "",
        "owner-account-id": instance.account_id,
        "mac": primary.mac_address if primary is not None else "",
        "image-id": instance.image_id,
        "instance-type": instance.instance_type,
    }
    return json.dumps(document, separators=(",", ":"))


def metadata_for(
    instance: Instance,
    interfaces: Sequence[NetworkInterface],
    *,
    vpc: Vpc | None = None,
    vswitches: Sequence[VSwitch] = (),
    eip: str | None = None,
    public_keys: Mapping[str, str] | None = None,
    services: HostServices = DEFAULT_SERVICES,
) -> dict[str, str]:
    """The metadata of ``instance``: ``interfaces`` are those attached to it (primary
    first or not: the primary is ``instance.primary_eni_id``); ``vpc`` is its VPC and
    ``vswitches`` those its interfaces sit in (None and () on the classic network); ``eip``
    the EIP bound to its primary interface; ``public_keys`` its key pairs (name -> OpenSSH
    public key line), numbered in the order given."""
    by_vswitch = {vswitch.vswitch_id: vswitch for vswitch in vswitches}
    primary = _primary(instance, interfaces)
    meta: dict[str, str] = {
        "instance-id": instance.instance_id,
        "region-id": instance.region_id,
        "zone-id": instance.zone_id,
        "hostname": instance.host_name,
        "image-id": instance.image_id,
        "instance/instance-type": instance.instance_type,
        "instance/instance-name": instance.name,
        "owner-account-id": instance.account_id,
        "serial-number": instance.serial_number,
        "network-type": instance.network_type.value,
        "source-address": services.source_address,
        "dns-conf/nameservers": "\n".join(services.nameservers),
        "ntp-conf/ntp-servers": "\n".join(services.ntp_servers),
    }
    if primary is not None:
        meta["private-ipv4"] = str(primary.primary_ip)
        if primary.mac_address:
            meta["mac"] = primary.mac_address
    if instance.vpc_id:
        meta["vpc-id"] = instance.vpc_id
    if vpc is not None:
        meta["vpc-cidr-block"] = str(vpc.cidr_block)
    if instance.vswitch_id:
        meta["vswitch-id"] = instance.vswitch_id
        own = by_vswitch.get(instance.vswitch_id)
        if own is not None:
            meta["vswitch-cidr-block"] = str(own.cidr_block)
    public = eip or instance.public_ip
    if public:
        meta["eipv4"] = public
    if instance.public_ip:
        meta["public-ipv4"] = instance.public_ip
    for interface in interfaces:
        if not interface.mac_address:
            continue
        vswitch = by_vswitch.get(interface.vswitch_id or "")
        for name, value in _interface_items(interface, vpc, vswitch).items():
            meta[f"network/interfaces/macs/{interface.mac_address}/{name}"] = value
    for index, key in enumerate((public_keys or {}).values()):
        meta[f"public-keys/{index}/openssh-key"] = key.strip()

    metadata = {f"meta-data/{path}": value for path, value in meta.items()}
    metadata["dynamic/instance-identity/document"] = _identity_document(instance, primary)
    user_data = _user_data(instance.user_data)
    if user_data is not None:
        metadata["user-data"] = user_data
    return metadata
