"""The metadata an instance reads at 100.100.100.200, built from the model."""

from __future__ import annotations

import base64
import ipaddress
import json
from dataclasses import replace
from datetime import UTC, datetime

from ecsim.control.instance_metadata import HostServices, metadata_for, vswitch_gateway
from ecsim.dataplane.metadata_tree import Tokens, answer
from ecsim.dataplane.plan import InstancePlan
from ecsim.model.instance import InstanceNetworkType
from ecsim.model.network import Vpc, VSwitch
from ecsim.model.network_interface import NetworkInterface
from tests.unit.compute_world import ACCOUNT, REGION, UBUNTU, ZONE, an_instance

CREATED = datetime(2024, 1, 2, tzinfo=UTC)
PRIMARY_MAC = "00:16:3e:0a:0b:0c"
SECOND_MAC = "00:16:3e:0d:0e:0f"

VPC = Vpc(
    vpc_id="vpc-1",
    account_id=ACCOUNT,
    region_id=REGION,
    cidr_block=ipaddress.IPv4Network("192.168.0.0/16"),
    name="",
    description="",
    vrouter_id="vrt-1",
    route_table_id="vtb-1",
    user_cidrs=(),
    created_at=CREATED,
    ready_at=CREATED,
)
VSW = VSwitch(
    vswitch_id="vsw-1",
    account_id=ACCOUNT,
    region_id=REGION,
    vpc_id="vpc-1",
    zone_id=ZONE,
    cidr_block=ipaddress.IPv4Network("192.168.1.0/24"),
    name="",
    description="",
    created_at=CREATED,
    ready_at=CREATED,
)
VSW2 = replace(VSW, vswitch_id="vsw-2", cidr_block=ipaddress.IPv4Network("192.168.16.0/20"))


def _eni(eni_id: str, address: str, mac: str, vswitch_id: str = "vsw-1") -> NetworkInterface:
    return NetworkInterface(
        eni_id=eni_id,
        account_id=ACCOUNT,
        region_id=REGION,
        vpc_id="vpc-1",
        vswitch_id=vswitch_id,
        primary_ip=ipaddress.IPv4Address(address),
        security_group_ids=("sg-1",),
        instance_id="i-one",
        mac_address=mac,
    )


PRIMARY = _eni("eni-i-one", "192.168.1.10", PRIMARY_MAC)
SECOND = replace(_eni("eni-two", "192.168.16.5", SECOND_MAC, "vsw-2"), primary=False)
INSTANCE = an_instance(
    "i-one",
    name="web-1",
    host_name="web-host",
    serial_number="4f5e-serial",
    user_data=base64.b64encode(b"#!/bin/sh\necho hello\n").decode(),
)


def _meta() -> dict[str, str]:
    return metadata_for(
        INSTANCE,
        [SECOND, PRIMARY],
        vpc=VPC,
        vswitches=[VSW, VSW2],
        public_keys={"my-key": "ssh-rsa AAAAB3 me@host\n"},
    )


def test_the_scalars_ecs_documents() -> None:
    meta = _meta()
    assert {
        key.removeprefix("meta-data/"): value
        for key, value in meta.items()
        if key.count("/") == 1 and key.startswith("meta-data/")
    } == {
        "instance-id": "i-one",
        "region-id": REGION,
        "zone-id": ZONE,
        "hostname": "web-host",
        "image-id": UBUNTU,
        "private-ipv4": "192.168.1.10",
        "mac": PRIMARY_MAC,
        "vpc-id": "vpc-1",
        "vswitch-id": "vsw-1",
        "vpc-cidr-block": "192.168.0.0/16",
        "vswitch-cidr-block": "192.168.1.0/24",
        "owner-account-id": ACCOUNT,
        "serial-number": "4f5e-serial",
        "network-type": "vpc",
        "source-address": "http://mirrors.cloud.aliyuncs.com",
    }
    assert meta["meta-data/instance/instance-type"] == "ecs.g6.large"
    assert meta["meta-data/instance/instance-name"] == "web-1"
    assert meta["meta-data/dns-conf/nameservers"] == "100.100.2.136\n100.100.2.138"
    assert meta["meta-data/ntp-conf/ntp-servers"].splitlines()[0] == "ntp.cloud.aliyuncs.com"


def test_each_interface_by_mac() -> None:
    meta = _meta()
    prefix = f"meta-data/network/interfaces/macs/{SECOND_MAC}/"
    assert {
        key.removeprefix(prefix): value for key, value in meta.items() if key.startswith(prefix)
    } == {
        "network-interface-id": "eni-two",
        "primary-ip-address": "192.168.16.5",
        "private-ipv4s": '["192.168.16.5"]',
        "netmask": "255.255.240.0",
        "gateway": "192.168.31.253",
        "vpc-id": "vpc-1",
        "vswitch-id": "vsw-2",
        "vpc-cidr-block": "192.168.0.0/16",
        "vswitch-cidr-block": "192.168.16.0/20",
    }
    assert meta[f"meta-data/network/interfaces/macs/{PRIMARY_MAC}/gateway"] == "192.168.1.253"


def test_gateway_is_the_first_system_address_at_the_top() -> None:
    assert vswitch_gateway(ipaddress.IPv4Network("10.0.0.0/29")) == ipaddress.IPv4Address(
        "10.0.0.5"
    )


def test_user_data_keys_and_identity_document() -> None:
    meta = _meta()
    assert meta["user-data"] == "#!/bin/sh\necho hello\n"
    assert meta["meta-data/public-keys/0/openssh-key"] == "ssh-rsa AAAAB3 me@host"
    assert json.loads(meta["dynamic/instance-identity/document"]) == {
        "instance-id": "i-one",
        "region-id": REGION,
        "zone-id": ZONE,
        "owner-account-id": ACCOUNT,
        "private-ipv4": "192.168.1.10",
        "mac": PRIMARY_MAC,
        "image-id": UBUNTU,
        "instance-type": "ecs.g6.large",
        "serial-number": "4f5e-serial",
    }


def test_optional_items_are_absent_when_there_is_nothing_to_say() -> None:
    bare = replace(INSTANCE, user_data="")
    meta = metadata_for(bare, [PRIMARY], vpc=VPC, vswitches=[VSW])
    assert not {"user-data", "meta-data/eipv4", "meta-data/public-ipv4"} & meta.keys()
    assert not any(key.startswith("meta-data/public-keys/") for key in meta)


def test_public_addresses() -> None:
    with_eip = metadata_for(INSTANCE, [PRIMARY], vpc=VPC, vswitches=[VSW], eip="198.18.0.7")
    assert with_eip["meta-data/eipv4"] == "198.18.0.7"
    assert "meta-data/public-ipv4" not in with_eip
    fixed = metadata_for(replace(INSTANCE, public_ip="198.18.0.9"), [PRIMARY], vpc=VPC)
    assert (fixed["meta-data/eipv4"], fixed["meta-data/public-ipv4"]) == ("198.18.0.9",) * 2


def test_binary_user_data_survives_as_surrogates() -> None:
    raw = b"\x1f\x8b\x08\x00binary\xff"
    instance = replace(INSTANCE, user_data=base64.b64encode(raw).decode())
    text = metadata_for(instance, [PRIMARY])["user-data"]
    assert text.encode("utf-8", "surrogateescape") == raw


def test_classic_instances_leave_the_vpc_items_out() -> None:
    classic = replace(
        INSTANCE, network_type=InstanceNetworkType.CLASSIC, vpc_id=None, vswitch_id=None
    )
    eni = replace(PRIMARY, vpc_id=None, vswitch_id=None)
    meta = metadata_for(classic, [eni])
    assert meta["meta-data/network-type"] == "classic"
    assert not any("vpc" in key or "vswitch" in key for key in meta)
    assert f"meta-data/network/interfaces/macs/{PRIMARY_MAC}/network-interface-id" in meta


def test_other_services_can_be_named() -> None:
    services = HostServices(
        nameservers=("10.0.0.2",), ntp_servers=("ntp.local",), source_address="http://m.local"
    )
    meta = metadata_for(INSTANCE, [PRIMARY], services=services)
    assert meta["meta-data/dns-conf/nameservers"] == "10.0.0.2"
    assert meta["meta-data/source-address"] == "http://m.local"


def test_the_service_lists_the_built_tree_as_ecs_does() -> None:
    plan = InstancePlan(
        instance_id="i-one",
        network_id="vpc-1",
        netns="ns",
        running=True,
        ports=(),
        hostname="web-host",
        metadata=_meta(),
    )

    def get(path: str) -> str:
        reply = answer(plan, Tokens(), "GET", path, {}, 0.0)
        assert reply.status == 200, path
        return reply.body.decode()

    assert get("/latest/") == "dynamic/\nmeta-data/\nuser-data"
    assert get("/latest/meta-data/public-keys/") == "0/"
    assert get("/latest/meta-data/network/interfaces/macs/") == f"{PRIMARY_MAC}/\n{SECOND_MAC}/"
    assert "source-address" in get("/latest/meta-data").splitlines()
    # the guide §7: `curl .../source-address | head -n 1`, then a path appended
    assert get("/latest/meta-data/source-address").splitlines()[0] == (
        "http://mirrors.cloud.aliyuncs.com"
    )
