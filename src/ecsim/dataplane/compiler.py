"""A network's security groups as the nftables ruleset of its router namespace (pure).

Every packet between two instances of a network, and between the host and an instance,
crosses the router's forward hook once, so the router is where groups are enforced:

1. replies of allowed flows pass (``ct state established,related``): groups are stateful
   and the gates judge only the opening packet;
2. a packet from an instance must carry that instance's address (anti-spoofing: one lookup
   in a set of ``ifname . address``), and IPv6 is dropped (instances have IPv4 only);
3. two instances that share a basic group with InnerAccessPolicy=Accept reach each other
   before any rule (one rule per such group: both interfaces in the group's set);
4. the sender's egress gate runs (a jump through a verdict map keyed by the incoming
   interface), then the receiver's ingress gate (keyed by the outgoing one). The egress gate
   never accepts, it only returns or drops, so the two gates stay independent;
5. what leaves an instance for the uplink after its egress gate is accepted (the host and
   the Internet have no gate).

Gates are chains per set of groups (``compiler_gates``), shared by the interfaces with the
same groups and named from a hash of the group ids, so names are stable across reloads. The
``input`` hook guards the router itself (gateway, metadata service). EIPs are a separate
``ip`` NAT table: DNAT of what arrives on the uplink, SNAT of what leaves through it.

The text begins by deleting both tables (``add`` first, so that deleting never fails) and
then declares them whole: ``nft -f`` applies the file as one transaction, so loading it
replaces the previous ruleset atomically and packets never see a half-loaded one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ecsim.dataplane.compiler_gates import FOLD_RANGES, gate_chain
from ecsim.dataplane.compiler_sets import address_text, set_block
from ecsim.dataplane.plan import (
    HOST_UPLINK_ADDRESS,
    METADATA_ADDRESS,
    ROUTER_UPLINK_ADDRESS,
    UPLINK_IFNAME,
    EniPort,
    short_name,
)
from ecsim.engine.evaluate import Evaluator, Gate
from ecsim.engine.rules import Span
from ecsim.model.security_group import SecurityGroup
from ecsim.model.values import Direction, Policy

__all__ = ["FILTER_TABLE", "NAT_TABLE", "compile_router"]

FILTER_TABLE = "inet ecsim"
NAT_TABLE = "ip ecsim_nat"
_UPLINK = f'"{UPLINK_IFNAME}"'
# table-level set names used by the base chains
_PORTS = "eni_ports"
_ADDRESSES = "eni_addresses"
_ROUTER = "router_addresses"
_EGRESS = "egress_gates"
_INGRESS = "ingress_gates"
_ESTABLISHED = ("ct state established,related accept", "ct state invalid drop")
_ANTI_SPOOF = f"iifname @{_PORTS} iifname . ip saddr != @{_ADDRESSES} drop"


def compile_router(
    evaluator: Evaluator, ports: Sequence[EniPort], *, fold_ranges: int = FOLD_RANGES
) -> str:
    """The complete ruleset of one router namespace, for ``nft -f``.

    ``ports`` are the network's running interfaces; each must be an interface of the
    evaluator's topology (``UnknownInterface`` otherwise), whose group memberships decide its
    gates. A group peer whose members make more than ``fold_ranges`` address ranges (runs of
    consecutive addresses) is looked up through a set of its own (``compiler_gates``). The
    same inputs always give the same text."""
    ordered = sorted(ports, key=lambda port: port.ifname)
    return "\n".join(
        [
            "# ecsim router ruleset: loading it replaces both tables in one transaction",
            *(f"add table {table}\ndelete table {table}" for table in (FILTER_TABLE, NAT_TABLE)),
            "",
            *_filter_table(evaluator, ordered, fold_ranges),
            "",
            *_nat_table(ordered),
            "",
        ]
    )


def _ifname(port: EniPort) -> str:
    return f'"{port.ifname}"'


def _filter_table(evaluator: Evaluator, ports: Sequence[EniPort], fold_ranges: int) -> list[str]:
    gates = _gates(evaluator, ports)
    inner = _inner_accept_sets(evaluator, ports)
    declarations = [
        *set_block(_PORTS, "ifname", [_ifname(p) for p in ports]),
        *set_block(
            _ADDRESSES, "ifname . ipv4_addr", [f"{_ifname(p)} . {p.address}" for p in ports]
        ),
        *set_block(_ROUTER, "ipv4_addr", _router_addresses(ports)),
    ]
    for name, members in inner.items():
        declarations += set_block(name, "ifname", [_ifname(p) for p in members])
    for direction, map_name in ((Direction.EGRESS, _EGRESS), (Direction.INGRESS, _INGRESS)):
        jumps = [f"{_ifname(port)} : jump {gates.chain_of(port, direction)}" for port in ports]
        declarations += set_block(map_name, "ifname : verdict", jumps, map_=True)
    gate_sets, chains = _gate_chains(gates, fold_ranges)
    declarations += gate_sets
    return [
        f"table {FILTER_TABLE} {{",
        *declarations,
        "",
        *_base_chain(
            "forward", "filter hook forward priority filter; policy drop", _forward(inner)
        ),
        "",
        *_base_chain("input", "filter hook input priority filter; policy drop", _input()),
        *chains,
        "}",
    ]


class _Gates:
    """The gate chains the ports need: one per set of groups and direction."""

    def __init__(self) -> None:
        self.chains: dict[str, Gate] = {}
        self._names: dict[tuple[str, Direction], str] = {}

    def add(self, port: EniPort, group_ids: Iterable[str], gate: Gate) -> None:
        prefix = "eg_" if gate.direction is Direction.EGRESS else "in_"
        name = short_name(prefix, *sorted(group_ids))
        self.chains.setdefault(name, gate)
        self._names[(port.eni_id, gate.direction)] = name

    def chain_of(self, port: EniPort, direction: Direction) -> str:
        return self._names[(port.eni_id, direction)]


def _gate_chains(gates: _Gates, fold_ranges: int) -> tuple[list[str], list[str]]:
    """(set declarations, chains) of every gate, with the member sets they share declared
    once."""
    declarations: list[str] = []
    chains: list[str] = []
    member_sets: dict[str, tuple[Span, ...]] = {}
    for name, gate in sorted(gates.chains.items()):
        text = gate_chain(name, gate, fold_ranges=fold_ranges)
        declarations += text.sets
        chains += ["", *text.chain]
        member_sets.update(text.members)
    for name, spans in sorted(member_sets.items()):
        addresses = [address_text(span) for span in spans]
        declarations += set_block(name, "ipv4_addr", addresses, interval=True)
    return declarations, chains


def _gates(evaluator: Evaluator, ports: Sequence[EniPort]) -> _Gates:
    gates = _Gates()
    for port in ports:
        group_ids = evaluator.topology.group_set(port.eni_id)
        for direction in Direction:
            gates.add(port, group_ids, evaluator.gate(port.eni_id, direction))
    return gates


def _admits_members(group: SecurityGroup) -> bool:
    return not group.is_enterprise and group.inner_access_policy is Policy.ACCEPT


def _inner_accept_sets(evaluator: Evaluator, ports: Sequence[EniPort]) -> dict[str, list[EniPort]]:
    """Set name -> the ports of each InnerAccessPolicy=Accept group that has two or more
    ports here (a group with one port here has no pair to let through)."""
    topology = evaluator.topology
    members: dict[str, list[EniPort]] = {}
    for port in ports:
        for group_id in sorted(topology.group_set(port.eni_id)):
            if _admits_members(topology.groups[group_id]):
                members.setdefault(group_id, []).append(port)
    return {
        short_name("inner_", group_id): found
        for group_id, found in sorted(members.items())
        if len(found) >= 2
    }


def _router_addresses(ports: Sequence[EniPort]) -> list[str]:
    """The addresses the router itself answers on: gateways, uplink, metadata."""
    own = {port.gateway for port in ports} | {ROUTER_UPLINK_ADDRESS, METADATA_ADDRESS}
    return [str(address) for address in sorted(own)]


def _base_chain(name: str, hook: str, statements: Iterable[str]) -> list[str]:
    # one statement a line: nft 1.0.6 refuses a chain body written on one line
    return [f"\tchain {name} {{", f"\t\ttype {hook};", *(f"\t\t{s}" for s in statements), "\t}"]


def _forward(inner: Iterable[str]) -> list[str]:
    return [
        *_ESTABLISHED,
        "meta nfproto ipv6 drop",
        _ANTI_SPOOF,
        # From the host's side only the host itself may address a private address; anything
        # else arriving there (another VPC's traffic, through a host that forwards) may only
        # reach an EIP, as from the Internet. VPCs never meet privately.
        f"iifname {_UPLINK} ip saddr != {HOST_UPLINK_ADDRESS} ct status != dnat drop",
        *(f"iifname @{name} oifname @{name} accept" for name in inner),
        f"iifname vmap @{_EGRESS}",
        f"oifname vmap @{_INGRESS}",
        f"iifname @{_PORTS} oifname {_UPLINK} accept",
    ]


def _input() -> list[str]:
    return [
        *_ESTABLISHED,
        'iifname "lo" accept',
        _ANTI_SPOOF,
        f"ip daddr {METADATA_ADDRESS} tcp dport 80 accept",
        f"ip daddr @{_ROUTER} meta l4proto icmp accept",
        f"iifname {_UPLINK} accept",
    ]


def _nat_table(ports: Sequence[EniPort]) -> list[str]:
    """DNAT of EIP -> private address on the way in, SNAT back on the way out. The maps are
    named so that they may be empty: a network without EIPs loads the same text shape."""
    with_eip = [port for port in ports if port.eip is not None]
    inbound = [f"{port.eip} : {port.address}" for port in with_eip]
    outbound = [f"{port.address} : {port.eip}" for port in with_eip]
    return [
        f"table {NAT_TABLE} {{",
        *set_block("eip_to_private", "ipv4_addr : ipv4_addr", inbound, map_=True),
        *set_block("private_to_eip", "ipv4_addr : ipv4_addr", outbound, map_=True),
        "",
        *_base_chain(
            "prerouting",
            "nat hook prerouting priority dstnat; policy accept",
            [f"iifname {_UPLINK} dnat to ip daddr map @eip_to_private"],
        ),
        "",
        *_base_chain(
            "postrouting",
            "nat hook postrouting priority srcnat; policy accept",
            [f"oifname {_UPLINK} snat to ip saddr map @private_to_eip"],
        ),
        "}",
    ]
