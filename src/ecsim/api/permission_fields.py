"""One rule's fields on the wire, each parsed into its domain value or refused with its code.

A rule's fields arrive as a ``Permissions.N`` item or as the legacy flat parameters, with the
same names either way. On ingress the peer is the Source* side (SourceCidrIp, Ipv6SourceCidrIp,
SourceGroupId, SourcePrefixListId) and DestCidrIp is the local side of a five-tuple rule;
egress swaps them (reference §2.8). Each field's malformed value gets that field's own ECS code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ecsim.api.params import Long, Param, String
from ecsim.control.error_builders import naming
from ecsim.errors import EcsError
from ecsim.model.rule_spec import GroupPeer, PrefixListPeer, RequestedPeer
from ecsim.model.values import (
    Cidr,
    Direction,
    IpProtocol,
    NicType,
    Policy,
    PortRange,
    Priority,
    parse_cidr,
)

__all__ = ["RuleFields", "rule_field_params"]

_T = TypeVar("_T")
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")


@dataclass(frozen=True)
class _Names:
    """One direction's wire names for the peer and the local side."""

    peer_v4: str
    peer_v6: str
    peer_group: str
    peer_prefix_list: str
    owner_account: str
    owner_id: str
    local_v4: str
    local_v6: str


_NAMES = {
    Direction.INGRESS: _Names(
        "SourceCidrIp",
        "Ipv6SourceCidrIp",
        "SourceGroupId",
        "SourcePrefixListId",
        "SourceGroupOwnerAccount",
        "SourceGroupOwnerId",
        "DestCidrIp",
        "Ipv6DestCidrIp",
    ),
    Direction.EGRESS: _Names(
        "DestCidrIp",
        "Ipv6DestCidrIp",
        "DestGroupId",
        "DestPrefixListId",
        "DestGroupOwnerAccount",
        "DestGroupOwnerId",
        "SourceCidrIp",
        "Ipv6SourceCidrIp",
    ),
}


def rule_field_params(direction: Direction) -> tuple[Param, ...]:
    names = _NAMES[direction]
    return (
        String("Policy"),
        # a string on the wire: its own codes tell "not a number" from "out of range"
        String("Priority"),
        String("IpProtocol"),
        String(names.peer_v4),
        String(names.peer_v6),
        String(names.peer_group),
        String(names.peer_prefix_list),
        String("PortRange"),
        String(names.local_v4),
        String(names.local_v6),
        String("SourcePortRange"),
        String(names.owner_account),
        Long(names.owner_id),
        String("NicType"),
        String("Description", max_length=512, code="InvalidSecurityGroupDiscription.Malformed"),
    )


class RuleFields:
    """One rule's wire values: a ``Permissions.N`` item (``prefix`` names it, for messages)
    or the flat parameters (``prefix`` empty). Each reader answers None for an absent field."""

    def __init__(self, values: Mapping[str, Any], prefix: str, direction: Direction) -> None:
        self._values = values
        self._prefix = prefix
        self._direction = direction
        self._names = _NAMES[direction]

    def protocol(self) -> IpProtocol | None:
        return self._read("IpProtocol", IpProtocol.parse, self.missing_protocol)

    def port_range(self) -> PortRange | None:
        return self._read("PortRange", PortRange.parse, _bad_ports)

    def source_port_range(self) -> PortRange | None:
        ports = self._read("SourcePortRange", PortRange.parse, _bad_source_ports)
        # -1/-1 restricts nothing: the same rule as one without a source port range
        return None if ports is None or ports.is_any else ports

    def nic_type(self) -> NicType | None:
        return self._read("NicType", NicType.parse, _bad_nic_type)

    def policy(self) -> Policy | None:
        return self._read("Policy", Policy.parse, _bad_policy)

    def priority(self) -> Priority | None:
        text = self._values.get("Priority")
        # "not a number" and "out of range" have codes of their own
        if text is not None and not _INTEGER.fullmatch(str(text).strip()):
            raise _malformed_priority(self._path("Priority"))
        return self._read("Priority", Priority.parse, _bad_priority)

    def description(self) -> str | None:
        text = self._values.get("Description")
        return None if text is None else str(text)

    def peer(self) -> RequestedPeer | None:
        names = self._names
        cidr = self._address(names.peer_v4, names.peer_v6)
        # A CIDR wins over a group, and either over a prefix list (the owner is then ignored).
        if cidr is not None:
            return cidr
        group_id = self._values.get(names.peer_group)
        if group_id is not None:
            # an account id names the owner exactly; the login name is the fallback
            owner_id = self._values.get(names.owner_id)
            owner = str(owner_id) if owner_id is not None else self._values.get(names.owner_account)
            return GroupPeer(str(group_id), owner)
        prefix_list = self._values.get(names.peer_prefix_list)
        if prefix_list is not None:
            return PrefixListPeer(str(prefix_list))
        return None

    def local(self) -> Cidr | None:
        return self._address(self._names.local_v4, self._names.local_v6)

    def missing_protocol(self, path: str | None = None) -> EcsError:
        return _missing_protocol(path or self._path("IpProtocol"))

    def missing_port_range(self) -> EcsError:
        return _missing_port_range(self._path("PortRange"))

    def missing_peer(self) -> EcsError:
        return _MISSING_PEER[self._direction](f" in {self._prefix}" if self._prefix else "")

    def _path(self, name: str) -> str:
        return f"{self._prefix}.{name}" if self._prefix else name

    def _read(
        self, name: str, parse: Callable[[str], _T], refuse: Callable[[str], EcsError]
    ) -> _T | None:
        text = self._values.get(name)
        if text is None:
            return None
        try:
            return parse(str(text))
        except ValueError:
            raise refuse(self._path(name)) from None

    def _address(self, v4_name: str, v6_name: str) -> Cidr | None:
        v4 = self._cidr(v4_name, 4)
        v6 = self._cidr(v6_name, 6)
        if v4 is not None and v6 is not None:
            raise _BOTH_FAMILIES[v4_name](self._prefix or "the request")
        return v4 if v4 is not None else v6

    def _cidr(self, name: str, version: int) -> Cidr | None:
        cidr = self._read(name, parse_cidr, _MALFORMED[name])
        if cidr is not None and cidr.version != version:
            raise _WRONG_FAMILY[name](self._path(name))
        return cidr


# -- errors ------------------------------------------------------------------------------------

# Each takes the field's path (``Permissions.2.PortRange``, or the flat name).
_missing_protocol = naming(
    "The parameter {} must be specified with case insensitive TCP, UDP, ICMP, ICMPv6, GRE or ALL.",
    code="InvalidIpProtocol.ValueNotSupported",
    http_status=400,
)
_missing_port_range = naming(
    "The specified parameter {} must set.", code="InvalidPortRange.Malformed", http_status=400
)
_bad_ports = naming(
    'The specified parameter "{}" is not valid. It should be two integers from 1 to '
    "65535 in start/end format, or -1/-1.",
    code="InvalidParam.PortRange",
    http_status=400,
)
_bad_source_ports = naming(
    "The specified parameter {} is not valid.",
    code="InvalidSourcePortRange.Malformed",
    http_status=400,
)
_bad_nic_type = naming(
    "The specified NicType does not exist ({}).",
    code="InvalidNicType.ValueNotSupported",
    http_status=400,
)
_bad_policy = naming(
    "The specified parameter {} is not valid. Only accept and drop are supported, ignoring case.",
    code="InvalidPolicy.Malformed",
    http_status=400,
)
_malformed_priority = naming(
    "The parameter {} is invalid: it must be an integer.",
    code="InvalidPriority.Malformed",
    http_status=400,
)
_bad_priority = naming(
    "The specified parameter {} is invalid: it must be an integer from 1 to 100.",
    code="InvalidPriority.ValueNotSupported",
    http_status=400,
)

# Takes " in Permissions.N" for an item, nothing for the flat parameters.
_MISSING_PEER = {
    Direction.INGRESS: naming(
        "One of the parameters SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId or "
        "SourcePrefixListId{} must be specified.",
        code="MissingParameter.Source",
        http_status=400,
    ),
    Direction.EGRESS: naming(
        "One of the parameters DestCidrIp, Ipv6DestCidrIp, DestGroupId or "
        "DestPrefixListId{} must be specified.",
        code="MissingParameter.Dest",
        http_status=400,
    ),
}

_NOT_VALID = "The specified parameter {} is not valid."
_NOT_V4 = _NOT_VALID + " It must be an IPv4 address or CIDR block."
_NOT_V6 = _NOT_VALID + " It must be an IPv6 address or CIDR block."

_MALFORMED = {
    "SourceCidrIp": naming(_NOT_VALID, code="InvalidSourceCidrIp.Malformed", http_status=400),
    "DestCidrIp": naming(_NOT_VALID, code="InvalidDestCidrIp.Malformed", http_status=400),
    "Ipv6SourceCidrIp": naming(_NOT_VALID, code="InvalidParam.Ipv6SourceCidrIp", http_status=400),
    "Ipv6DestCidrIp": naming(_NOT_VALID, code="InvalidParam.Ipv6DestCidrIp", http_status=400),
}

# An address of the other family in a field meant for one (IPv6 in SourceCidrIp ...).
_WRONG_FAMILY = {
    "SourceCidrIp": naming(_NOT_V4, code="InvalidParam.SourceCidrIp", http_status=400),
    "DestCidrIp": naming(_NOT_V4, code="InvalidParam.DestCidrIp", http_status=400),
    "Ipv6SourceCidrIp": naming(_NOT_V6, code="InvalidParam.Ipv6SourceCidrIp", http_status=400),
    "Ipv6DestCidrIp": naming(_NOT_V6, code="InvalidParam.Ipv6DestCidrIp", http_status=400),
}

# Keyed by the IPv4 field of the pair; takes the item (or "the request").
_BOTH_FAMILIES = {
    "SourceCidrIp": naming(
        "The Parameters SourceCidrIp and Ipv6SourceCidrIp in {} cannot be set at the same time.",
        code="InvalidParam.SourceIp",
        http_status=400,
    ),
    "DestCidrIp": naming(
        "The Parameters DestCidrIp and Ipv6DestCidrIp in {} cannot be set at the same time.",
        code="InvalidParam.DestIp",
        http_status=400,
    ),
}
