"""``ecsim reach``: ask the server's reachability analyzer (PRODUCT.md contract 5).

``ecsim reach SRC DST --protocol P [--port N] [--source-port N] [--json]`` decides one flow;
``ecsim reach --matrix --vpc VPC_ID --protocol P [--port N] [--json]`` decides every pair of
the VPC's instances. Both are calls of the Ecsim API (AnalyzeReachability,
AnalyzeReachabilityMatrix); this module only prints.
"""

from __future__ import annotations

from typing import Any

import click

from ecsim.api.products import ECSIM
from ecsim.cli.client import RpcClient
from ecsim.cli.options import credentials_options, endpoint_option
from ecsim.cli.output import call_or_exit, print_json

__all__ = ["reach"]

_PROTOCOLS = ("tcp", "udp", "icmp", "all")

# what each implicit reason means, for the human-readable explanation
_REASONS = {
    "same-group-inner-accept": "both are in {group}, whose members reach each other "
    "(InnerAccessPolicy Accept)",
    "egress-default-allow-basic-group": "no rule matched; a basic group lets outbound "
    "traffic through by default",
    "no-matching-rule-enterprise-default-deny": "no rule matched; enterprise groups deny "
    "by default",
    "no-matching-rule-ingress-default-deny": "no rule matched; inbound traffic is denied "
    "by default",
    "no-security-group": "the interface is in no security group",
    "external-endpoint": "an outside address has no gate",
    "same-interface": "traffic to its own address never leaves the interface",
    "different-vpc": "the two are in different VPCs, which are not connected",
    "network-type-mismatch": "one is in a VPC and the other on the classic network",
    "different-region": "the two are in different regions",
}


def _flow_params(protocol: str, port: int | None, source_port: int | None) -> dict[str, str]:
    protocol = protocol.lower()
    if protocol in ("tcp", "udp") and port is None:
        raise click.UsageError(f"--port is required for {protocol}.")
    if protocol not in ("tcp", "udp") and (port is not None or source_port is not None):
        raise click.UsageError(f"{protocol} has no ports: leave out --port and --source-port.")
    params = {"Protocol": protocol}
    if port is not None:
        params["Port"] = str(port)
    if source_port is not None:
        params["SourcePort"] = str(source_port)
    return params


def _flow_text(params: dict[str, str]) -> str:
    text = params["Protocol"]
    if "Port" in params:
        text += f" port {params['Port']}"
    if "SourcePort" in params:
        text += f" from port {params['SourcePort']}"
    return text


def _end_text(end: dict[str, Any]) -> str:
    network = end.get("VpcId") or "classic"
    where = f"{end['NetworkInterfaceId']}, {end['PrivateIpAddress']}, {network}"
    return f"{end['InstanceId']} ({where})" if end.get("InstanceId") else f"({where})"


def _gate_text(gate: dict[str, Any]) -> str:
    outcome = "allowed" if gate.get("allowed") else "denied"
    rule = gate.get("rule")
    if rule is not None:
        return (
            f"{outcome} by rule {rule['SecurityGroupRuleId']} of {rule['SecurityGroupId']} "
            f"(priority {rule['Priority']}, {rule['Policy']})"
        )
    reason = str(gate.get("implicit", "?"))
    meaning = _REASONS.get(reason, reason).format(group=gate.get("SecurityGroupId", "a group"))
    return f"{outcome}: {meaning}"


def _explain(body: dict[str, Any], flow: dict[str, str]) -> str:
    lines = [
        f"{body['verdict']}: {_end_text(body['source'])} -> "
        f"{_end_text(body['destination'])}, {_flow_text(flow)}",
        f"  egress   {_gate_text(body['egress'])}",
        f"  ingress  {_gate_text(body['ingress'])}",
    ]
    return "\n".join(lines)


def _explain_matrix(body: dict[str, Any], flow: dict[str, str]) -> str:
    instances: list[dict[str, Any]] = body["instances"]
    count = len(instances)
    pairs = count * (count - 1)
    lines = [
        f"{_flow_text(flow)} in {body['VpcId']} ({body['RegionId']}): {count} instances, "
        f"{body['allowedPairs']} of {pairs} ordered pairs allowed"
    ]
    for i, row in enumerate(body["matrix"]):
        reached = [instances[j]["InstanceId"] for j, bit in enumerate(row) if bit == "1" and j != i]
        source = instances[i]
        lines.append(
            f"  {source['InstanceId']} ({source['PrivateIpAddress']}) -> "
            + (", ".join(reached) if reached else "(none)")
        )
    return "\n".join(lines)


@click.command()
@click.argument("source", required=False)
@click.argument("destination", required=False)
@click.option(
    "--protocol",
    required=True,
    type=click.Choice(_PROTOCOLS, case_sensitive=False),
    help="The flow's protocol.",
)
@click.option("--port", type=click.IntRange(1, 65535), help="Destination port (tcp, udp).")
@click.option(
    "--source-port",
    type=click.IntRange(1, 65535),
    help="Source port; by default any port the client picks (rules restricting it never match).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.option("--matrix", is_flag=True, help="Every pair of the instances of --vpc.")
@click.option("--vpc", "vpc_id", help="The VPC of --matrix.")
@click.option("--region", "region_id", help="RegionId: where private addresses are looked up.")
@endpoint_option
@credentials_options
def reach(
    source: str | None,
    destination: str | None,
    protocol: str,
    port: int | None,
    source_port: int | None,
    as_json: bool,
    matrix: bool,
    vpc_id: str | None,
    region_id: str | None,
    endpoint: str,
    access_key_id: str,
    access_key_secret: str,
) -> None:
    """Can SOURCE open a flow to DESTINATION, and which rule decides it?

    SOURCE and DESTINATION are instance ids, network interface ids or private IP addresses
    (an address names the caller's interface holding it, or, on the classic network shared by
    every account, another account's). Both gates are judged, the
    source's egress and the destination's ingress, and each names what decided it: a rule
    (group, rule id, priority, policy) or an implicit reason. Instances in different VPCs, or
    one in a VPC and one on the classic network, never reach each other.

    Exits 0 whether the flow is allowed or denied; 1 on an API error (unknown instance, ...);
    2 on bad usage or when the server cannot be reached.

    \b
    Examples:
      ecsim reach i-web i-db --protocol tcp --port 3306
      ecsim reach 192.168.0.10 eni-abc --protocol icmp --json
      ecsim reach --matrix --vpc vpc-abc --protocol tcp --port 22
    """
    flow = _flow_params(protocol, port, source_port)
    params = dict(flow)
    if region_id is not None:
        params["RegionId"] = region_id
    if matrix:
        if source is not None or destination is not None:
            raise click.UsageError("--matrix takes no SOURCE or DESTINATION.")
        if vpc_id is None:
            raise click.UsageError("--matrix needs --vpc VPC_ID.")
        action = "AnalyzeReachabilityMatrix"
        params["VpcId"] = vpc_id
    else:
        if source is None or destination is None:
            raise click.UsageError("Give SOURCE and DESTINATION (or --matrix --vpc VPC_ID).")
        if vpc_id is not None:
            raise click.UsageError("--vpc goes with --matrix.")
        action = "AnalyzeReachability"
        params.update({"Source": source, "Destination": destination})
    body = call_or_exit(
        lambda: RpcClient(endpoint, access_key_id, access_key_secret),
        ECSIM.version,
        action,
        params,
    )
    if matrix:
        if as_json:
            print_json({key: value for key, value in body.items() if key != "RequestId"})
        else:
            click.echo(_explain_matrix(body, flow))
    elif as_json:
        print_json({key: body[key] for key in ("verdict", "egress", "ingress")})
    else:
        click.echo(_explain(body, flow))
