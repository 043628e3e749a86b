"""ecsim's reachability analyzer as API actions (product Ecsim, 2026-01-01; used by
``ecsim reach``): AnalyzeReachability and AnalyzeReachabilityMatrix.

The verdict keeps the shape of PRODUCT.md contract 5: ``verdict``, ``egress`` and
``ingress``, each gate naming what decided it (``rule`` with the ECS names of the rule's
fields, or ``implicit`` with a reason), plus the resolved ends. A path no route takes
(different regions or VPCs, VPC and classic) is the ingress gate's ``implicit`` reason.
"""

from __future__ import annotations

from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.params import Integer, String
from ecsim.api.products import ECSIM
from ecsim.api.registry import ActionGroup
from ecsim.control.reachability import (
    EndpointRef,
    Finding,
    FlowSpec,
    MatrixFinding,
    parse_endpoint,
)
from ecsim.engine.verdict import GateDecision
from ecsim.errors import EcsError, InvalidParameter, MissingParameter
from ecsim.model.network_interface import NetworkInterface
from ecsim.model.values import IpProtocol
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(ECSIM)

# ICMPv6 has no meaning between the IPv4 addresses interfaces have
_PROTOCOLS = {p.value: p for p in IpProtocol if p is not IpProtocol.ICMPV6}


def _port(name: str) -> Any:
    return Integer(name, minimum=1, maximum=65535, code="PortNumber.Invalid")


_FLOW_PARAMS = (
    String("Protocol", required=True, max_length=16),
    _port("Port"),
    _port("SourcePort"),
)


def _flow(params: dict[str, Any]) -> FlowSpec:
    protocol = _PROTOCOLS.get(params["Protocol"].strip().lower())
    if protocol is None:
        raise InvalidParameter(
            "Protocol",
            f"Valid values: {', '.join(_PROTOCOLS)}.",
            code="InvalidIpProtocol.Malformed",
            http_status=400,
        )
    port, source_port = params.get("Port"), params.get("SourcePort")
    if protocol.has_ports:
        if port is None:
            raise MissingParameter("Port")
    elif port is not None or source_port is not None:
        raise EcsError(
            f"The specified Protocol and Port do not match: {protocol.value} has no ports.",
            code="InvalidParam.ProtocolAndPortRangeMismatch",
            http_status=400,
        )
    return FlowSpec(protocol, port, source_port)


def _endpoint(params: dict[str, Any], name: str) -> EndpointRef:
    try:
        return parse_endpoint(params[name])
    except ValueError as error:
        raise InvalidParameter(name, str(error)) from None


def _gate(decision: GateDecision) -> dict[str, Any]:
    out: dict[str, Any] = {"allowed": decision.allowed}
    if decision.rule is not None:
        out["rule"] = {
            "SecurityGroupId": decision.rule.group_id,
            "SecurityGroupRuleId": decision.rule.rule_id,
            "Priority": decision.rule.priority.value,
            "Policy": decision.rule.policy.wire,
        }
    elif decision.implicit is not None:
        out["implicit"] = decision.implicit.value
        if decision.group_id is not None:
            out["SecurityGroupId"] = decision.group_id
    return out


def _end(interface: NetworkInterface) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if interface.instance_id:
        out["InstanceId"] = interface.instance_id
    out.update(
        {
            "NetworkInterfaceId": interface.eni_id,
            "PrivateIpAddress": str(interface.primary_ip),
            "NetworkType": "vpc" if interface.vpc_id else "classic",
            "RegionId": interface.region_id,
            "OwnerId": interface.account_id,
        }
    )
    if interface.vpc_id:
        out["VpcId"] = interface.vpc_id
    return out


def render_finding(finding: Finding) -> dict[str, Any]:
    ingress = _gate(finding.ingress)
    if finding.blocked is not None:
        ingress = {"allowed": False, "implicit": finding.blocked.value}
    return {
        "verdict": "allowed" if finding.allowed else "denied",
        "egress": _gate(finding.egress),
        "ingress": ingress,
        "source": _end(finding.source),
        "destination": _end(finding.destination),
    }


@actions.action(
    "AnalyzeReachability",
    params=(
        String("RegionId"),
        String("Source", required=True, max_length=128),
        String("Destination", required=True, max_length=128),
        *_FLOW_PARAMS,
    ),
)
def analyze_reachability(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    source = _endpoint(params, "Source")
    destination = _endpoint(params, "Destination")
    finding = services.reachability.analyze(
        ctx.account_id, source, destination, _flow(params), ctx.region_id
    )
    return render_finding(finding)


def render_matrix(found: MatrixFinding, flow: FlowSpec) -> dict[str, Any]:
    width = len(found.interfaces)
    out: dict[str, Any] = {
        "VpcId": found.vpc.vpc_id,
        "RegionId": found.vpc.region_id,
        "protocol": flow.protocol.value,
    }
    if flow.port is not None:
        out["port"] = flow.port
    if flow.source_port is not None:
        out["sourcePort"] = flow.source_port
    return out | {
        "instances": [
            {
                "InstanceId": interface.instance_id,
                "NetworkInterfaceId": interface.eni_id,
                "PrivateIpAddress": str(interface.primary_ip),
            }
            for interface in found.interfaces
        ],
        # row i, character j: "1" when instance i may open the flow to instance j (the
        # diagonal is "1": an instance always reaches itself)
        "matrix": [format(row, "b").zfill(width)[::-1] if width else "" for row in found.rows],
        # ordered pairs of two different instances
        "allowedPairs": found.allowed_pairs,
    }


@actions.action(
    "AnalyzeReachabilityMatrix",
    params=(String("RegionId"), String("VpcId", required=True, max_length=64), *_FLOW_PARAMS),
)
def analyze_reachability_matrix(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    flow = _flow(params)
    found = services.reachability.matrix(ctx.account_id, params["VpcId"], flow, ctx.region_id)
    return render_matrix(found, flow)
