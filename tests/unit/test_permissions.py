"""Rule parameters on the wire -> RuleSpec / RuleChange, with each field's own ECS code."""

from __future__ import annotations

import ipaddress

import pytest

from ecsim.api.params import parse_params
from ecsim.api.permissions import (
    authorize_params,
    modify_params,
    parse_change,
    parse_modification,
    parse_revocation,
    parse_rules,
    revoke_params,
)
from ecsim.errors import EcsError
from ecsim.model.rule_spec import GroupPeer, PrefixListPeer, RuleChange, RuleSpec
from ecsim.model.values import ANY_PORT, Direction, IpProtocol, NicType, Policy, PortRange, Priority

IN = Direction.INGRESS
OUT = Direction.EGRESS
GROUP = {"RegionId": "cn-hangzhou", "SecurityGroupId": "sg-1"}


def rules(wire: dict[str, str], direction: Direction = IN) -> list[RuleSpec]:
    return parse_rules(parse_params(authorize_params(direction), GROUP | wire), direction)


def one(wire: dict[str, str], direction: Direction = IN) -> RuleSpec:
    (spec,) = rules(wire, direction)
    return spec


def refused(wire: dict[str, str], direction: Direction = IN) -> EcsError:
    with pytest.raises(EcsError) as caught:
        rules(wire, direction)
    return caught.value


def perm(index: int, **fields: str) -> dict[str, str]:
    return {f"Permissions.{index}.{key}": value for key, value in fields.items()}


SSH = {"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "10.0.0.0/8"}


def test_legacy_flat_parameters_as_packer_sends_them() -> None:
    spec = one(
        {
            "IpProtocol": "all",
            "PortRange": "-1/-1",
            "NicType": "internet",
            "SourceCidrIp": "0.0.0.0/0",
        }
    )
    assert spec == RuleSpec(
        direction=IN,
        protocol=IpProtocol.ALL,
        port_range=ANY_PORT,
        source_port_range=None,
        peer=ipaddress.ip_network("0.0.0.0/0"),
        nic_type=NicType.INTERNET,
    )
    assert spec.policy is Policy.ACCEPT
    assert spec.priority == Priority(1)


def test_permissions_list_in_order_with_every_field() -> None:
    first, second = rules(
        perm(
            1,
            IpProtocol="TCP",
            PortRange="80/443",
            SourcePortRange="1024/65535",
            SourceCidrIp="192.168.1.7",
            DestCidrIp="10.0.0.5/24",
            Policy="Drop",
            Priority="100",
            NicType="Intranet",
            Description="web",
        )
        | perm(2, IpProtocol="icmpv6", PortRange="-1/-1", Ipv6SourceCidrIp="2001:db8::/32")
    )
    assert first.protocol is IpProtocol.TCP
    assert first.port_range == PortRange(80, 443)
    assert first.source_port_range == PortRange(1024, 65535)
    assert first.peer == ipaddress.ip_network("192.168.1.7/32")
    # host bits cleared, as ECS normalises a CIDR
    assert first.local == ipaddress.ip_network("10.0.0.0/24")
    assert (first.policy, first.priority, first.nic_type) == (
        Policy.DROP,
        Priority(100),
        NicType.INTRANET,
    )
    assert first.description == "web"
    assert second.protocol is IpProtocol.ICMPV6
    assert second.peer == ipaddress.ip_network("2001:db8::/32")


def test_egress_swaps_the_peer_and_the_local_side() -> None:
    spec = one(
        {
            "IpProtocol": "tcp",
            "PortRange": "22/22",
            "SourcePortRange": "22/22",
            "SourceCidrIp": "172.16.1.0/32",
            "DestCidrIp": "10.0.0.1/32",
            "Policy": "drop",
        },
        OUT,
    )
    assert spec.direction is OUT
    assert spec.peer == ipaddress.ip_network("10.0.0.1/32")
    assert spec.local == ipaddress.ip_network("172.16.1.0/32")


def test_group_peer_with_owner_and_cidr_winning_over_group() -> None:
    by_name = one(
        {"IpProtocol": "all", "PortRange": "-1/-1", "SourceGroupId": "sg-2"}
        | {"SourceGroupOwnerAccount": "b@aliyun.com"}
    )
    assert by_name.peer == GroupPeer("sg-2", "b@aliyun.com")
    by_id = one(
        {"IpProtocol": "all", "PortRange": "-1/-1", "DestGroupId": "sg-2"}
        | {"DestGroupOwnerId": "1000000000000002", "DestGroupOwnerAccount": "b@aliyun.com"},
        OUT,
    )
    assert by_id.peer == GroupPeer("sg-2", "1000000000000002")
    both = one(SSH | {"SourceGroupId": "sg-2", "SourcePrefixListId": "pl-1"})
    assert both.peer == ipaddress.ip_network("10.0.0.0/8")
    prefix = one({"IpProtocol": "all", "PortRange": "-1/-1", "SourcePrefixListId": "pl-1"})
    assert prefix.peer == PrefixListPeer("pl-1")


def test_source_port_range_any_is_no_restriction() -> None:
    assert one(SSH | {"SourcePortRange": "-1/-1"}).source_port_range is None


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        (SSH | {"IpProtocol": "sctp"}, "InvalidIpProtocol.ValueNotSupported"),
        ({"PortRange": "22/22", "SourceCidrIp": "1.2.3.4"}, "InvalidIpProtocol.ValueNotSupported"),
        (SSH | {"PortRange": "200/1"}, "InvalidParam.PortRange"),
        (SSH | {"PortRange": "0/65535"}, "InvalidParam.PortRange"),
        (SSH | {"PortRange": "22"}, "InvalidParam.PortRange"),
        (SSH | {"PortRange": "1/65536"}, "InvalidParam.PortRange"),
        ({"IpProtocol": "tcp", "SourceCidrIp": "1.2.3.4"}, "InvalidPortRange.Malformed"),
        (SSH | {"PortRange": "-1/-1"}, "OperationDenied"),
        (SSH | {"IpProtocol": "icmp"}, "OperationDenied"),
        (SSH | {"IpProtocol": "GRE"}, "OperationDenied"),
        (SSH | {"SourcePortRange": "x/1"}, "InvalidSourcePortRange.Malformed"),
        (
            {"IpProtocol": "all", "PortRange": "-1/-1", "SourceCidrIp": "1.2.3.4"}
            | {"SourcePortRange": "22/22"},
            "InvalidSourcePortRange.Malformed",
        ),
        (SSH | {"SourceCidrIp": "10.0.0.300"}, "InvalidSourceCidrIp.Malformed"),
        (SSH | {"SourceCidrIp": "2001:db8::1"}, "InvalidParam.SourceCidrIp"),
        (SSH | {"DestCidrIp": "nonsense"}, "InvalidDestCidrIp.Malformed"),
        (SSH | {"DestCidrIp": "::1"}, "InvalidParam.DestCidrIp"),
        (SSH | {"Ipv6SourceCidrIp": "::/0"}, "InvalidParam.SourceIp"),
        (SSH | {"DestCidrIp": "10.0.0.1", "Ipv6DestCidrIp": "::1"}, "InvalidParam.DestIp"),
        (
            {"IpProtocol": "tcp", "PortRange": "1/2", "Ipv6SourceCidrIp": "10.0.0.1"},
            "InvalidParam.Ipv6SourceCidrIp",
        ),
        (SSH | {"Ipv6DestCidrIp": "zz::"}, "InvalidParam.Ipv6DestCidrIp"),
        (SSH | {"Ipv6DestCidrIp": "2001:db8::1"}, "InvalidParameter.Conflict"),
        (SSH | {"DestCidrIp": "10.0.0.0/8"}, "InvalidParamter.Conflict"),
        (
            {"IpProtocol": "icmp", "PortRange": "-1/-1", "Ipv6SourceCidrIp": "::/0"},
            "InvalidParam.Ipv4ProtocolConflictWithIpv6Address",
        ),
        (
            {"IpProtocol": "icmpv6", "PortRange": "-1/-1", "SourceCidrIp": "0.0.0.0/0"},
            "InvalidParam.Ipv6ProtocolConflictWithIpv4Address",
        ),
        ({"IpProtocol": "tcp", "PortRange": "22/22"}, "MissingParameter.Source"),
        (
            {"IpProtocol": "tcp", "PortRange": "22/22", "SourceGroupOwnerAccount": "b"},
            "MissingParameter.Source",
        ),
        (SSH | {"NicType": "wan"}, "InvalidNicType.ValueNotSupported"),
        (SSH | {"Policy": "allow"}, "InvalidPolicy.Malformed"),
        (SSH | {"Priority": "high"}, "InvalidPriority.Malformed"),
        (SSH | {"Priority": "1.5"}, "InvalidPriority.Malformed"),
        (SSH | {"Priority": "0"}, "InvalidPriority.ValueNotSupported"),
        (SSH | {"Priority": "101"}, "InvalidPriority.ValueNotSupported"),
        (SSH | {"Description": "x" * 513}, "InvalidSecurityGroupDiscription.Malformed"),
        ({}, "MissingParameter"),
    ],
)
def test_bad_field_gets_its_code(wire: dict[str, str], code: str) -> None:
    error = refused(wire)
    assert error.code == code
    assert error.http_status == 400


def test_egress_names_its_own_missing_peer() -> None:
    error = refused({"IpProtocol": "tcp", "PortRange": "22/22", "SourceCidrIp": "1.2.3.4"}, OUT)
    assert (error.code, error.http_status) == ("MissingParameter.Dest", 400)


def test_error_names_the_permission_entry() -> None:
    error = refused(perm(1, **SSH) | perm(2, IpProtocol="tcp", PortRange="1/2"))
    assert error.code == "MissingParameter.Source"
    assert "Permissions.2" in error.message
    error = refused(perm(1, **SSH) | perm(2, **(SSH | {"SourceCidrIp": "bad"})))
    assert "Permissions.2.SourceCidrIp" in error.message


def test_flat_and_permissions_never_mix() -> None:
    error = refused(perm(1, **SSH) | {"Description": "flat"})
    assert (error.code, error.http_status) == ("InvalidParam.Permissions", 400)


def test_at_most_100_permissions() -> None:
    wire: dict[str, str] = {}
    for index in range(1, 102):
        wire |= perm(index, IpProtocol="tcp", PortRange=f"{index}/{index}", SourceCidrIp="1.1.1.1")
    assert refused(wire).code == "InvalidParameter"


def test_revocation_by_ids_or_by_rules() -> None:
    declared = revoke_params(IN)
    ids, specs = parse_revocation(
        parse_params(declared, GROUP | {"SecurityGroupRuleId.1": "sgr-a"}), IN
    )
    assert (ids, specs) == (["sgr-a"], [])
    ids, specs = parse_revocation(parse_params(declared, GROUP | perm(1, **SSH)), IN)
    assert ids == []
    assert specs[0].port_range == PortRange(22, 22)
    for extra in (perm(1, **SSH), {"IpProtocol": "tcp"}):
        with pytest.raises(EcsError) as caught:
            parse_revocation(
                parse_params(declared, GROUP | {"SecurityGroupRuleId.1": "sgr-a"} | extra), IN
            )
        assert caught.value.code == "InvalidParam.Permissions"


def test_change_keeps_what_is_not_given() -> None:
    params = parse_params(
        modify_params(OUT),
        GROUP | {"SecurityGroupRuleId": "sgr-a", "PortRange": "8080/8080", "DestGroupId": "sg-9"},
    )
    assert parse_change(params, OUT) == RuleChange(
        port_range=PortRange(8080, 8080), peer=GroupPeer("sg-9")
    )
    target, change = parse_modification(params, OUT)
    assert target == "sgr-a"
    assert change.peer == GroupPeer("sg-9")


def test_change_still_checks_each_field() -> None:
    params = parse_params(modify_params(IN), GROUP | {"SecurityGroupRuleId": "r", "Priority": "0"})
    with pytest.raises(EcsError) as caught:
        parse_change(params, IN)
    assert caught.value.code == "InvalidPriority.ValueNotSupported"


def test_legacy_modification_names_the_rule_by_its_fields() -> None:
    params = parse_params(modify_params(IN), GROUP | SSH | {"Description": "new"})
    target, change = parse_modification(params, IN)
    assert isinstance(target, RuleSpec)
    assert target.peer == ipaddress.ip_network("10.0.0.0/8")
    assert change == RuleChange(description="new")
    with pytest.raises(EcsError) as caught:
        parse_modification(parse_params(modify_params(IN), GROUP), IN)
    assert caught.value.code == "MissingParameter"
