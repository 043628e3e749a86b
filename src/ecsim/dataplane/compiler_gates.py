"""One gate (the pooled rules of a set of groups, in one direction) as an nftables chain.

The engine decides a gate by the first matching rule in evaluation order. Rules with one
verdict that may be evaluated in any order form a *run*; a run compiles to a few set
lookups (one per shape of match, ``compiler_match.Shape``) plus plain rules for the rare
matches no set shape holds. A packet thus meets a handful of lookups per run, however many
rules, ports or addresses the run holds.

A rule joins the earliest run of its verdict it can reach by moving up past rules of the
other verdict that no packet matches together with it: swapping two such rules changes no
packet's first match. So consecutive rules of one verdict always share a run, and gates
written with interleaved priorities (accept at 1, drop at 2, accept at 3 for other
ports...) need few runs, not one per rule. Trailing runs whose verdict is the default's are
left out: the default decides those packets the same way.

Verdicts: an egress gate that allows *returns* (the receiver's ingress gate still has to
run: accepting there would let a packet bypass the other end's rules), an ingress gate that
allows accepts, and either drops when it denies. The gate's default ends the chain.

Group peers with few members (counted as ranges of consecutive addresses) are folded into
the run's sets like CIDR peers. A larger group is looked up through a set of its members,
declared once for the whole table (``GateText.members``), with the run's protocols and ports
for it in a set of their own: a group of thousands costs the same text in every chain that
names it as a group of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ecsim.dataplane.compiler_match import Match, Shape, overlap, rule_match, shape_of
from ecsim.dataplane.compiler_sets import (
    Box,
    address_text,
    disjoint_boxes,
    merge_spans,
    port_text,
    set_block,
    spans_text,
)
from ecsim.dataplane.plan import UPLINK_IFNAME, short_name
from ecsim.engine.evaluate import Gate
from ecsim.engine.rules import EffectiveRule, Span
from ecsim.model.values import Direction, NicType, Policy

__all__ = ["FOLD_RANGES", "GateText", "gate_chain", "member_set"]

# group peers whose members make at most this many address ranges are folded into a run's
# sets; larger ones are looked up through a member set
FOLD_RANGES = 8

_SET_TYPES = {
    Shape.ADDRESS: "ipv4_addr",
    Shape.PROTOCOL: "ipv4_addr . inet_proto",
    Shape.PORTS: "ipv4_addr . inet_proto . inet_service",
}
# what a set of each shape is matched against, after the remote address
_KEYS = {
    Shape.ADDRESS: (),
    Shape.PROTOCOL: ("meta l4proto",),
    Shape.PORTS: ("meta l4proto", "th dport"),
}


def member_set(group_id: str) -> str:
    """The name of the table-level set of a group's member addresses."""
    return short_name("members_", group_id)


@dataclass
class GateText:
    """A gate as nft text: the sets it declares, its chain, and the member sets it looks up
    (name -> addresses), which the table declares once however many chains share them."""

    sets: list[str] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    members: dict[str, tuple[Span, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Sides:
    """Which packet fields are the remote end, the local end and the NIC of a direction."""

    remote: str
    local: str
    interface: str

    @classmethod
    def of(cls, direction: Direction) -> _Sides:
        if direction is Direction.EGRESS:
            return cls(remote="ip daddr", local="ip saddr", interface="oifname")
        return cls(remote="ip saddr", local="ip daddr", interface="iifname")

    def nic(self, nic: NicType | None) -> str:
        """The match that stands for a classic network's NIC type ("" in a VPC)."""
        if nic is None:
            return ""
        operator = "" if nic is NicType.INTERNET else "!= "
        return f'{self.interface} {operator}"{UPLINK_IFNAME}" '


def _verdict(direction: Direction, allowed: bool) -> str:
    if not allowed:
        return "drop"
    return "return" if direction is Direction.EGRESS else "accept"


@dataclass(frozen=True, slots=True)
class _Run:
    verdict: str
    rules: list[EffectiveRule]
    matches: list[Match]


def _runs(gate: Gate) -> list[_Run]:
    """The gate's rules as runs (module docstring), in evaluation order."""
    runs: list[_Run] = []
    for rule in gate.rules:
        match = rule_match(rule)
        if match is None:
            continue
        verdict = _verdict(gate.direction, rule.policy is Policy.ACCEPT)
        target: _Run | None = None
        for run in reversed(runs):
            if run.verdict == verdict:
                target = run
            elif any(overlap(match, other) for other in run.matches):
                break
        if target is None:
            runs.append(_Run(verdict, [rule], [match]))
        else:
            target.rules.append(rule)
            target.matches.append(match)
    default = _verdict(gate.direction, gate.default.allowed)
    while runs and runs[-1].verdict == default:
        runs.pop()
    return runs


def _protocols(matches: Sequence[Match]) -> list[str]:
    return sorted({p for m in matches for p in m.protocols or ()})


# one set element as the text of its fields (address, protocol, ports)
Element = tuple[str, ...]


def _elements(shape: Shape, matches: Sequence[Match]) -> list[Element]:
    """The union of ``matches`` as disjoint elements of a set of ``shape``."""
    if shape is Shape.ADDRESS:
        return [(address_text(s),) for s in merge_spans(p for m in matches for p in m.peers)]
    elements: list[Element] = []
    for protocol in _protocols(matches):
        mine = [m for m in matches if m.protocols is not None and protocol in m.protocols]
        if shape is Shape.PROTOCOL:
            spans = merge_spans(p for m in mine for p in m.peers)
            elements += [(address_text(s), protocol) for s in spans]
            continue
        boxes: list[Box] = [(p, m.ports) for m in mine if m.ports is not None for p in m.peers]
        elements += [
            (address_text(addresses), protocol, port_text(ports))
            for addresses, ports in disjoint_boxes(boxes)
        ]
    return elements


def _port_elements(matches: Sequence[Match]) -> list[Element]:
    """``protocol . ports`` elements of a large group's matches: its addresses are a set of
    their own, so only the ports are left to union."""
    elements: list[Element] = []
    for protocol in _protocols(matches):
        spans = merge_spans(
            m.ports for m in matches if m.ports and m.protocols and protocol in m.protocols
        )
        elements += [(protocol, port_text(span)) for span in spans]
    return elements


class _RunWriter:
    """Writes the runs of one chain into a ``GateText``."""

    def __init__(self, chain: str, gate: Gate, fold_ranges: int, text: GateText) -> None:
        self.chain = chain
        self.sides = _Sides.of(gate.direction)
        self.fold = fold_ranges
        self.text = text

    def _large(self, match: Match) -> bool:
        return match.group is not None and len(match.peers) > self.fold

    def _remote(self, match: Match) -> str:
        """The peer as a plain rule writes it, registering a large group's member set."""
        if match.group is not None and self._large(match):
            name = member_set(match.group)
            self.text.members[name] = match.peers
            return f"@{name}"
        return spans_text(match.peers)

    def write(self, number: int, run: _Run) -> None:
        names = " ".join(f"{rule.group_id}/{rule.rule_id}" for rule in run.rules)
        self.text.chain.append(f"\t\t# run {number} ({run.verdict}): {names}")
        folded: dict[tuple[Shape, NicType | None], list[Match]] = {}
        grouped: dict[tuple[str, Shape, NicType | None], list[Match]] = {}
        plain: list[Match] = []
        for match in run.matches:
            shape = shape_of(match)
            if shape is None:
                plain.append(match)
            elif match.group is not None and self._large(match):
                grouped.setdefault((match.group, shape, match.nic), []).append(match)
            else:
                folded.setdefault((shape, match.nic), []).append(match)
        for (shape, nic), matches in sorted(folded.items(), key=lambda i: _order(*i[0])):
            name = f"{self.chain}_{number}{shape.value}{_suffix(nic)}"
            keys = [self.sides.remote, *_KEYS[shape]]
            lookup = self._lookup(name, _SET_TYPES[shape], keys, _elements(shape, matches))
            self._line(f"{self.sides.nic(nic)}{lookup}", run)
        for (group_id, shape, nic), matches in sorted(
            grouped.items(), key=lambda i: (i[0][0], *_order(*i[0][1:]))
        ):
            self._group_lookup(number, run, group_id, shape, nic, matches)
        for match in plain:
            self._line(self._plain(match), run)

    def _lookup(self, name: str, type_: str, keys: Sequence[str], elements: list[Element]) -> str:
        """A match of ``keys`` against ``elements``: one element is written out in the rule
        (no set: sets are what the kernel's load time grows with), more are a set ``name``."""
        if len(elements) == 1:
            return " ".join(f"{key} {value}" for key, value in zip(keys, elements[0], strict=True))
        texts = [" . ".join(element) for element in elements]
        self.text.sets += set_block(name, type_, texts, interval=True)
        return f"{' . '.join(keys)} @{name}"

    def _group_lookup(
        self,
        number: int,
        run: _Run,
        group_id: str,
        shape: Shape,
        nic: NicType | None,
        matches: Sequence[Match],
    ) -> None:
        head = f"{self.sides.nic(nic)}{self.sides.remote} {self._remote(matches[0])}"
        if shape is Shape.ADDRESS:
            self._line(head, run)
        elif shape is Shape.PROTOCOL:
            self._line(f"{head} meta l4proto {_listed(_protocols(matches))}", run)
        else:
            name = f"{self.chain}_{number}p{_suffix(nic)}_{short_name('g', group_id)}"
            keys = ["meta l4proto", "th dport"]
            elements = _port_elements(matches)
            lookup = self._lookup(name, "inet_proto . inet_service", keys, elements)
            self._line(f"{head} {lookup}", run)

    def _plain(self, match: Match) -> str:
        parts = [f"{self.sides.nic(match.nic)}{self.sides.remote} {self._remote(match)}"]
        if match.local is not None:
            parts.append(f"{self.sides.local} {address_text(match.local)}")
        if match.protocols is not None:
            parts.append(f"meta l4proto {_listed(match.protocols)}")
        if match.source_ports is not None:
            parts.append(f"th sport {port_text(match.source_ports)}")
        if match.ports is not None:
            parts.append(f"th dport {port_text(match.ports)}")
        return " ".join(parts)

    def _line(self, statement: str, run: _Run) -> None:
        self.text.chain.append(f"\t\t{statement} {run.verdict}")


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else "{ " + ", ".join(names) + " }"


def _suffix(nic: NicType | None) -> str:
    return "" if nic is None else f"_{nic.value}"


def _order(shape: Shape, nic: NicType | None) -> tuple[str, str]:
    return shape.value, _suffix(nic)


def gate_chain(name: str, gate: Gate, *, fold_ranges: int = FOLD_RANGES) -> GateText:
    """The nft text of ``gate`` as chain ``name``."""
    text = GateText()
    writer = _RunWriter(name, gate, fold_ranges, text)
    for number, run in enumerate(_runs(gate), 1):
        writer.write(number, run)
    reason = gate.default.implicit.value if gate.default.implicit else "no rule matched"
    default = _verdict(gate.direction, gate.default.allowed)
    text.chain = [
        f"\tchain {name} {{",
        *text.chain,
        f"\t\t# default: {reason}",
        f"\t\t{default}",
        "\t}",
    ]
    return text
