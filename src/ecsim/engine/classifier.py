"""First-match lookup over an ordered rule list in a handful of integer operations.

Each field a rule constrains gets a table from the field's value to the set of rules that
accept that value, as a bit mask (bit i is the i-th rule in evaluation order). A flow's
candidate rules are the AND of one mask per field; the lowest set bit is the first match
(bit-vector packet classification). The fields:

- destination port, and the remote address for CIDR peers: cut into elementary intervals at
  every range boundary, found by binary search; the port tables are kept per kind (protocol
  and NIC type, ``Flow.kind``), so one lookup answers both;
- the remote address for group peers: the groups with a member at that address
  (``Topology.groups_at``), each with the mask of the rules naming it. Group membership is
  looked up, not expanded into intervals, so a large group costs nothing to compile.

Source ports and local addresses (five-tuple rules) are rare: the first candidate that has
one is checked directly, and passed over if it fails.

The tables are derived from ``EffectiveRule`` alone; ``EffectiveRule.matches`` states the same
semantics plainly, and the tests hold the two equal.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence

from ecsim.engine.flow import KINDS, Flow
from ecsim.engine.rules import EffectiveRule, Span
from ecsim.model.values import Direction

__all__ = ["Classifier"]

# (starts, masks): masks[i] holds from starts[i] up to the next start
Table = tuple[list[int], list[int]]


def _table(spans: Sequence[Span | None], *, absent_holds: bool) -> Table:
    """Value -> mask of the rules whose span contains it. A rule without a span holds for
    every value when ``absent_holds``, else for none."""
    everything = 0
    toggles: dict[int, int] = {}
    for index, span in enumerate(spans):
        bit = 1 << index
        if span is None:
            if absent_holds:
                everything |= bit
            continue
        # the bit is on from the first value to the last, both included
        toggles[span[0]] = toggles.get(span[0], 0) ^ bit
        toggles[span[1] + 1] = toggles.get(span[1] + 1, 0) ^ bit
    # a start below every value keeps the lookup free of a branch
    starts, masks, running = [-1], [everything], 0
    for start in sorted(toggles):
        running ^= toggles[start]
        starts.append(start)
        masks.append(running | everything)
    return starts, masks


class Classifier:
    """The first rule of ``rules`` (already in evaluation order) that a flow matches.

    ``groups_at`` maps an IPv4 address (as an integer) to the groups with a member there."""

    __slots__ = (
        "_by_kind",
        "_groups_at",
        "_ingress",
        "_peer4",
        "_peer6",
        "_rare",
        "_refs",
        "rules",
    )

    def __init__(
        self,
        rules: Sequence[EffectiveRule],
        direction: Direction,
        groups_at: Mapping[int, tuple[str, ...]],
    ) -> None:
        self.rules = tuple(rules)
        self._ingress = direction is Direction.INGRESS
        self._groups_at = groups_at
        kinds = [0] * len(KINDS)
        refs: dict[str, int] = {}
        rare = 0
        ports: list[Span | None] = []
        peers: dict[int, list[Span | None]] = {4: [], 6: []}
        for index, rule in enumerate(self.rules):
            bit = 1 << index
            applies = rule.kinds
            while applies:
                lowest = applies & -applies
                kinds[lowest.bit_length() - 1] |= bit
                applies ^= lowest
            ports.append(rule.port_span)
            peer = rule.peer_span
            for version, found in peers.items():
                found.append(None if peer is None or peer[0] != version else (peer[1], peer[2]))
            if rule.peer_group is not None and rule.peer:
                # only a resolved reference with members can match
                refs[rule.peer_group.group_id] = refs.get(rule.peer_group.group_id, 0) | bit
            if rule.source_port_span is not None or rule.local_span is not None:
                rare |= bit
        # the kind and the destination port in one lookup: a port table per kind, holding
        # only that kind's rules (None for a kind no rule applies to)
        starts, masks = _table(ports, absent_holds=True)
        self._by_kind = [
            (starts, [mask & kind for mask in masks]) if kind else None for kind in kinds
        ]
        self._refs = refs
        self._rare = rare
        self._peer4 = _table(peers[4], absent_holds=False)
        self._peer6 = _table(peers[6], absent_holds=False)

    def _holds(self, index: int, flow: Flow) -> bool:
        """The source-port and local-address constraints of one rule: few rules have them, so
        they are checked on the candidate rather than looked up."""
        rule = self.rules[index]
        span = rule.source_port_span
        if span is not None:
            port = flow.source_port
            if port is None or not span[0] <= port <= span[1]:
                return False
        local = rule.local_span
        if local is None:
            return True
        address = flow.destination_int if self._ingress else flow.source_int
        return local[0] == flow.version and local[1] <= address <= local[2]

    def first_index(self, flow: Flow) -> int:
        """The position of the first matching rule, or -1."""
        table = self._by_kind[flow.kind]
        if table is None:
            return -1
        port = flow.destination_port
        # no port (ICMP): only rules without a port restriction hold, as below every start
        candidates = table[1][0 if port is None else bisect_right(table[0], port) - 1]
        if not candidates:
            return -1
        remote = flow.source_int if self._ingress else flow.destination_int
        if flow.version == 4:
            table = self._peer4
            peers = table[1][bisect_right(table[0], remote) - 1]
            refs = self._refs
            if refs:
                for group_id in self._groups_at.get(remote, ()):
                    peers |= refs.get(group_id, 0)
        else:
            table = self._peer6
            peers = table[1][bisect_right(table[0], remote) - 1]
        candidates &= peers
        while candidates:
            lowest = candidates & -candidates
            index = lowest.bit_length() - 1
            if not lowest & self._rare or self._holds(index, flow):
                return index
            candidates ^= lowest
        return -1

    def first_match(self, flow: Flow) -> EffectiveRule | None:
        index = self.first_index(flow)
        return self.rules[index] if index >= 0 else None
