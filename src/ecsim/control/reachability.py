"""The reachability analyzer: the rule engine over the current state of an account's network.

"Can SRC open this flow to DST, and what decides it?" Endpoints are named by instance id (its
primary interface), interface id or private address. The security groups are judged by the
engine (``ecsim.engine``), the same rules the data plane compiles; what the engine does not
know is the path: interfaces in different regions or different VPCs, or one in a VPC and one
on the classic network, never reach each other whatever their groups say.

A private address resolves among the caller's interfaces; failing that, on the classic
network, to another account's interface (the classic network is shared by every account of
a region, and its addresses are unique in the region, guide §1.7).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ecsim.control.accounts import Accounts
from ecsim.control.compute_repositories import InstanceRepository, instance_not_found
from ecsim.control.error_builders import fixed, naming
from ecsim.control.network_repositories import VpcRepository
from ecsim.control.reachability_matrix import reach_rows
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.topology_builder import CLASSIC, TopologyBuilder, network_of
from ecsim.engine.flow import Flow
from ecsim.engine.verdict import GateDecision
from ecsim.model.network import Vpc
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.values import Direction, IpProtocol
from ecsim.store.base import Store

__all__ = [
    "EndpointKind",
    "EndpointRef",
    "Finding",
    "FlowSpec",
    "MatrixFinding",
    "PathBlock",
    "Reachability",
    "parse_endpoint",
]

eni_not_found = fixed(
    "The specified network interface does not exist.",
    code="InvalidEniId.NotFound",
    http_status=404,
)
address_not_found = naming(
    "The IP address {} is not held by any network interface you can name.",
    code="InvalidIpAddress.NotFound",
    http_status=404,
)
ambiguous_address = naming(
    "The IP address is held by several network interfaces ({}): name one by its id, or give "
    "RegionId.",
    code="InvalidParameter",
    http_status=400,
)


class EndpointKind(Enum):
    INSTANCE = "instance"
    INTERFACE = "interface"
    ADDRESS = "address"


@dataclass(frozen=True)
class EndpointRef:
    kind: EndpointKind
    # the id as given, or the address's text
    value: str
    address: ipaddress.IPv4Address | None = None


def parse_endpoint(text: str) -> EndpointRef:
    """An instance id (``i-``), an interface id (``eni-``) or an IPv4 address; ``ValueError``
    otherwise."""
    value = text.strip()
    if value.startswith("i-") and len(value) > 2:
        return EndpointRef(EndpointKind.INSTANCE, value)
    if value.startswith("eni-") and len(value) > 4:
        return EndpointRef(EndpointKind.INTERFACE, value)
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an instance id, a network interface id or an IPv4 address"
        ) from None
    return EndpointRef(EndpointKind.ADDRESS, str(address), address)


@dataclass(frozen=True)
class FlowSpec:
    """What is asked, whoever the ends: checked by ``Flow`` when it is built."""

    protocol: IpProtocol
    port: int | None = None
    source_port: int | None = None

    def between(self, source: NetworkInterface, destination: NetworkInterface) -> Flow:
        return Flow(
            self.protocol, source.primary_ip, destination.primary_ip, self.port, self.source_port
        )


class PathBlock(Enum):
    """No route joins the two interfaces, whatever their groups say. Values are what
    explanations print."""

    DIFFERENT_REGION = "different-region"
    DIFFERENT_VPC = "different-vpc"
    # one end in a VPC, the other on the classic network
    NETWORK_TYPE_MISMATCH = "network-type-mismatch"


def path_block(source: NetworkInterface, destination: NetworkInterface) -> PathBlock | None:
    if source.region_id != destination.region_id:
        return PathBlock.DIFFERENT_REGION
    if (source.vpc_id is None) != (destination.vpc_id is None):
        return PathBlock.NETWORK_TYPE_MISMATCH
    if source.vpc_id != destination.vpc_id:
        return PathBlock.DIFFERENT_VPC
    return None


@dataclass(frozen=True)
class Finding:
    """The answer to one question: each gate's decision, and the path when none joins them
    (then the ingress gate is never reached, and ``blocked`` says why)."""

    source: NetworkInterface
    destination: NetworkInterface
    egress: GateDecision
    ingress: GateDecision
    blocked: PathBlock | None = None

    @property
    def allowed(self) -> bool:
        return self.blocked is None and self.egress.allowed and self.ingress.allowed


@dataclass(frozen=True)
class MatrixFinding:
    vpc: Vpc
    # the instances' primary interfaces, in address order
    interfaces: tuple[NetworkInterface, ...]
    # row i: bit j set when interfaces[i] may open the flow to interfaces[j]
    rows: tuple[int, ...]

    @property
    def allowed_pairs(self) -> int:
        """Ordered pairs of two different instances where the flow is allowed (an instance
        always reaches itself)."""
        return sum(row.bit_count() for row in self.rows) - len(self.rows)


class Reachability:
    def __init__(
        self,
        store: Store,
        accounts: Accounts,
    ) -> None:
        self._store = store
        self._accounts = accounts
        self._views = TopologyBuilder(store)
        self._instances = InstanceRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)
        self._vpcs = VpcRepository(store)

    def analyze(
        self,
        account_id: str,
        source: EndpointRef,
        destination: EndpointRef,
        flow: FlowSpec,
        region_id: str | None = None,
    ) -> Finding:
        """May ``source`` open ``flow`` to ``destination``? Named ends are the caller's."""
        with self._views.pinned():
            return self._analyze(account_id, source, destination, flow, region_id)

    def _analyze(
        self,
        account_id: str,
        source: EndpointRef,
        destination: EndpointRef,
        flow: FlowSpec,
        region_id: str | None,
    ) -> Finding:
        ends: dict[EndpointRef, NetworkInterface] = {}
        for ref in (source, destination):
            if ref.kind is not EndpointKind.ADDRESS:
                ends[ref] = self._by_id(account_id, ref, region_id)
        for ref in (source, destination):
            if ref.kind is EndpointKind.ADDRESS and ref not in ends:
                regions = self._regions(account_id, ends, region_id)
                ends[ref] = self._by_address(account_id, ref, regions)
        src, dst = ends[source], ends[destination]
        packet = flow.between(src, dst)
        evaluator = self._views.view_of(src).evaluator(network_of(src))
        blocked = path_block(src, dst)
        if blocked is None:
            verdict = evaluator.evaluate(packet, src.eni_id, dst.eni_id)
            return Finding(src, dst, verdict.egress, verdict.ingress)
        # the source's egress still judges the packet (as bound for an outside address);
        # the packet never reaches the destination's ingress
        egress = evaluator.evaluate(packet, src.eni_id, None).egress
        return Finding(src, dst, egress, GateDecision(Direction.INGRESS, False), blocked)

    def matrix(
        self, account_id: str, vpc_id: str, flow: FlowSpec, region_id: str | None = None
    ) -> MatrixFinding:
        """Which of the caller's instances in ``vpc_id`` may open ``flow`` to which."""
        vpc = self._vpcs.get(account_id, vpc_id, region_id)
        view = self._views.view(vpc.region_id, vpc.account_id)
        interfaces = tuple(
            sorted(
                (i for i in view.by_network.get(vpc.vpc_id, ()) if i.primary and i.instance_id),
                key=lambda i: (int(i.primary_ip), i.eni_id),
            )
        )
        rows = reach_rows(
            view.evaluator(vpc.vpc_id), interfaces, flow.protocol, flow.port, flow.source_port
        )
        return MatrixFinding(vpc, interfaces, tuple(rows))

    # -- resolving endpoints --------------------------------------------------------------

    def _by_id(self, account_id: str, ref: EndpointRef, region_id: str | None) -> NetworkInterface:
        if ref.kind is EndpointKind.INSTANCE:
            instance = self._instances.get(account_id, ref.value, region_id)
            primary = self._interfaces.find(instance.primary_eni_id)
            if primary is None:
                raise instance_not_found()
            return primary
        eni = self._interfaces.find(ref.value)
        if (
            eni is None
            or eni.account_id != account_id
            or (region_id is not None and eni.region_id != region_id)
        ):
            raise eni_not_found()
        return eni

    def _regions(
        self, account_id: str, named: dict[EndpointRef, NetworkInterface], region_id: str | None
    ) -> Sequence[str]:
        """Where an address is looked for: the region asked, else the region of the end
        named by id, else every region the caller has an interface in."""
        if region_id is not None:
            return (region_id,)
        if named:
            return (next(iter(named.values())).region_id,)
        return sorted({eni.region_id for eni in self._interfaces.owned_by(account_id)})

    def _by_address(
        self, account_id: str, ref: EndpointRef, regions: Sequence[str]
    ) -> NetworkInterface:
        assert ref.address is not None
        mine: list[NetworkInterface] = []
        shared: list[NetworkInterface] = []
        for region in regions:
            mine.extend(self._views.view(region, account_id).holding(ref.address))
        if not mine:
            for region in regions:
                shared.extend(
                    i
                    for i in self._views.view(region, CLASSIC).holding(ref.address)
                    if i.account_id != account_id
                )
        found = mine or shared
        if not found:
            raise address_not_found(ref.value)
        if len(found) > 1:
            raise ambiguous_address(", ".join(_place(i) for i in found))
        return found[0]


def _place(interface: NetworkInterface) -> str:
    network = interface.vpc_id or "classic"
    return f"{interface.eni_id} in {network}, {interface.region_id}"
