"""All pairs of a set of interfaces at once: who may open one flow to whom.

Asking the evaluator pair by pair costs a flow and two gate lookups per pair; 500 instances
are 250,000 pairs. Interfaces with the same groups share their gates, and a gate's decision
depends on the far end's address and on its own end's address only through five-tuple rules
(a local CIDR). So, per set of groups:

- an egress gate without local rules decides each destination once for all its sources;
- an ingress gate without local rules decides each source once for all its destinations;
- a gate with local rules is asked pair by pair, as the evaluator would be;
- InnerAccessPolicy=Accept depends only on the two sets of groups.

Every decision still comes from the engine's gates (``Gate.decide``, in two steps), in the
order ``Evaluator.evaluate`` applies them: the same interface, then a shared Accept group,
then both gates. A row is an integer whose bit ``j`` says whether the row's interface reaches
interface ``j``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ecsim.engine.evaluate import Evaluator, Gate
from ecsim.engine.flow import Flow
from ecsim.engine.topology import GroupSet
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.values import Direction, IpProtocol

__all__ = ["reach_rows"]


def _has_local_rules(gate: Gate) -> bool:
    return any(rule.local is not None for rule in gate.rules)


def _lookup(gate: Gate) -> tuple[Callable[[Flow], int], list[bool]]:
    """``Gate.decide(flow).allowed`` in two steps: the deciding index (a rule's, or -1 for
    the default, which ``outcomes`` holds last), and whether that outcome allows."""
    return gate.classifier.first_index, [outcome.allowed for outcome in gate.outcomes]


def reach_rows(
    evaluator: Evaluator,
    interfaces: Sequence[NetworkInterface],
    protocol: IpProtocol,
    port: int | None,
    source_port: int | None,
) -> list[int]:
    """Row ``i``: the interfaces (as bits) that ``interfaces[i]`` may open the flow to."""
    n = len(interfaces)
    addresses = [interface.primary_ip for interface in interfaces]

    def flow(source: int, destination: int) -> Flow:
        return Flow(protocol, addresses[source], addresses[destination], port, source_port)

    # the interfaces in classes of equal groups; each class's first member stands for it
    class_of: list[int] = []
    index: dict[GroupSet, int] = {}
    representatives: list[int] = []
    members: list[int] = []
    for position, interface in enumerate(interfaces):
        key = evaluator.topology.group_set(interface.eni_id)
        number = index.get(key)
        if number is None:
            number = index[key] = len(representatives)
            representatives.append(position)
            members.append(0)
        class_of.append(number)
        members[number] |= 1 << position

    def gates(direction: Direction) -> list[Gate]:
        return [evaluator.gate(interfaces[r].eni_id, direction) for r in representatives]

    egress, ingress = gates(Direction.EGRESS), gates(Direction.INGRESS)

    # a gate without local rules never looks at its own end's address: one flow per far end
    # serves every such gate, with the first interface standing in at the near end
    to_each = [flow(0, destination) for destination in range(n)]
    from_each = [flow(source, 0) for source in range(n)]

    # columns each source's egress lets through
    class_columns: list[int | None] = []
    for gate in egress:
        if _has_local_rules(gate):
            class_columns.append(None)
            continue
        first_index, allowed = _lookup(gate)
        columns = 0
        for destination, packet in enumerate(to_each):
            if allowed[first_index(packet)]:
                columns |= 1 << destination
        class_columns.append(columns)
    out_columns: list[int] = []
    for source in range(n):
        shared = class_columns[class_of[source]]
        if shared is None:
            first_index, allowed = _lookup(egress[class_of[source]])
            shared = 0
            for destination in range(n):
                if allowed[first_index(flow(source, destination))]:
                    shared |= 1 << destination
        out_columns.append(shared)

    # the destinations whose ingress admits each source
    in_columns = [0] * n
    for number, gate in enumerate(ingress):
        first_index, allowed = _lookup(gate)
        if not _has_local_rules(gate):
            for source, packet in enumerate(from_each):
                if allowed[first_index(packet)]:
                    in_columns[source] |= members[number]
            continue
        for destination in range(n):
            if class_of[destination] != number:
                continue
            for source in range(n):
                if allowed[first_index(flow(source, destination))]:
                    in_columns[source] |= 1 << destination

    # a shared basic group with InnerAccessPolicy=Accept connects whatever the rules say
    inner: list[int] = []
    for first in representatives:
        columns = 0
        for number, second in enumerate(representatives):
            shared_group = evaluator.topology.shared_inner_accept_group(
                interfaces[first].eni_id, interfaces[second].eni_id
            )
            if shared_group is not None:
                columns |= members[number]
        inner.append(columns)

    return [(out_columns[s] & in_columns[s]) | inner[class_of[s]] | (1 << s) for s in range(n)]
