"""The reachability analyzer through the API (AnalyzeReachability, AnalyzeReachabilityMatrix)
and ``ecsim reach``, over instances launched with the official SDK.

The Ecsim product has no SDK of its own: its actions are called with the generic clients the
SDKs are built on (tea-openapi ``call_api`` with both signatures, aliyunsdkcore
``CommonRequest``), and with the CLI as a subprocess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException

from tests.api.reach_tenants import (
    NO_RULE,
    OUT,
    Tenant,
    call,
    call_v1,
    cli,
    implicit,
    new_tenant,
    rule,
)
from tests.support.clients import assert_refused
from tests.support.server import RunningServer


@dataclass
class WebAndDatabase:
    tenant: Tenant
    vpc_id: str
    vswitch_id: str
    web_group: str
    db_group: str
    web: str
    db: str


@pytest.fixture(scope="module")
def tiers(server: RunningServer) -> WebAndDatabase:
    """A web instance and a database instance; the database opens 3306 to the web group."""
    tenant = new_tenant(server)
    vpc_id, vswitch_id = tenant.vpc()
    web_group, db_group = tenant.group(vpc_id, "web"), tenant.group(vpc_id, "db")
    tenant.authorize(db_group, "tcp", "3306/3306", source_group_id=web_group)
    (web,) = tenant.run(web_group, vswitch_id)
    (db,) = tenant.run(db_group, vswitch_id)
    return WebAndDatabase(tenant, vpc_id, vswitch_id, web_group, db_group, web, db)


@pytest.mark.parametrize("signature", ["v3", "v2", "v1-core"])
def test_the_verdict_names_the_deciding_rule(tiers: WebAndDatabase, signature: str) -> None:
    tenant = tiers.tenant
    params = {"Source": tiers.web, "Destination": tiers.db, "Protocol": "tcp", "Port": "3306"}
    if signature == "v1-core":
        body = call_v1(tenant, "AnalyzeReachability", **params)
    else:
        body = call(tenant, "AnalyzeReachability", signature=signature, **params)
    (rule_id,) = tenant.rule_ids(tiers.db_group)
    assert body["verdict"] == "allowed"
    assert body["egress"] == OUT
    assert body["ingress"] == rule(tiers.db_group, rule_id)
    assert body["source"]["InstanceId"] == tiers.web
    assert body["destination"]["InstanceId"] == tiers.db
    assert body["destination"]["VpcId"] == tiers.vpc_id
    assert body["destination"]["PrivateIpAddress"] == tenant.private_ip(tiers.db)


def test_endpoints_by_interface_id_or_private_address(tiers: WebAndDatabase) -> None:
    tenant = tiers.tenant
    by_instance = tenant.reach(tiers.web, tiers.db, Protocol="tcp", Port="3306")
    web_eni = by_instance["source"]["NetworkInterfaceId"]
    db_address = tenant.private_ip(tiers.db)
    by_other_names = tenant.reach(web_eni, db_address, Protocol="tcp", Port="3306")
    for key in ("verdict", "egress", "ingress", "source", "destination"):
        assert by_other_names[key] == by_instance[key]
    # the other way round, and another port: nothing lets them in
    back = tenant.reach(tiers.db, tiers.web, Protocol="tcp", Port="3306")
    assert (back["verdict"], back["ingress"]) == ("denied", NO_RULE)
    other_port = tenant.reach(tiers.web, tiers.db, Protocol="tcp", Port="3307")
    assert (other_port["verdict"], other_port["ingress"]) == ("denied", NO_RULE)


def test_instances_of_different_vpcs_never_meet(tiers: WebAndDatabase) -> None:
    tenant = tiers.tenant
    far_vpc, far_vswitch = tenant.vpc("172.16.0.0/16")
    far_group = tenant.group(far_vpc, "far")
    tenant.authorize(far_group, "all", "-1/-1", source_cidr_ip="0.0.0.0/0")
    (far,) = tenant.run(far_group, far_vswitch)
    body = tenant.reach(tiers.web, far, Protocol="icmp")
    assert body["verdict"] == "denied"
    assert body["egress"] == OUT
    assert body["ingress"] == implicit("different-vpc")


def test_bad_input_gets_the_documented_codes(tiers: WebAndDatabase) -> None:
    tenant = tiers.tenant
    other = new_tenant(tenant.server)
    web, db = tiers.web, tiers.db
    cases: list[tuple[dict[str, str], str, int, Tenant]] = [
        (
            {"Source": "i-doesnotexist", "Destination": db, "Protocol": "tcp", "Port": "1"},
            "InvalidInstanceId.NotFound",
            404,
            tenant,
        ),
        (
            {"Source": "eni-doesnotexist", "Destination": db, "Protocol": "icmp"},
            "InvalidEniId.NotFound",
            404,
            tenant,
        ),
        (
            {"Source": "10.255.255.1", "Destination": db, "Protocol": "icmp"},
            "InvalidIpAddress.NotFound",
            404,
            tenant,
        ),
        (
            {"Source": "sg-1", "Destination": db, "Protocol": "icmp"},
            "InvalidParameter",
            400,
            tenant,
        ),
        (
            {"Source": web, "Destination": db, "Protocol": "sctp"},
            "InvalidIpProtocol.Malformed",
            400,
            tenant,
        ),
        ({"Source": web, "Destination": db, "Protocol": "tcp"}, "MissingParameter", 400, tenant),
        (
            {"Source": web, "Destination": db, "Protocol": "icmp", "Port": "22"},
            "InvalidParam.ProtocolAndPortRangeMismatch",
            400,
            tenant,
        ),
        (
            {"Source": web, "Destination": db, "Protocol": "tcp", "Port": "65536"},
            "PortNumber.Invalid",
            400,
            tenant,
        ),
        (
            {"Source": web, "Destination": db, "Protocol": "tcp", "Port": "22", "SourcePort": "0"},
            "PortNumber.Invalid",
            400,
            tenant,
        ),
        (
            {"Source": web, "Destination": db, "Protocol": "icmp", "RegionId": "xx-nowhere-1"},
            "InvalidRegionId.NotFound",
            404,
            tenant,
        ),
        (
            {"Source": web, "Destination": db, "Protocol": "icmp", "RegionId": "cn-beijing"},
            "InvalidInstanceId.NotFound",
            404,
            tenant,
        ),
        ({"Destination": db, "Protocol": "icmp"}, "MissingParameter", 400, tenant),
        # another account's instance is not found, by id or by VPC address
        (
            {"Source": web, "Destination": db, "Protocol": "icmp"},
            "InvalidInstanceId.NotFound",
            404,
            other,
        ),
        (
            {
                "Source": tenant.private_ip(web),
                "Destination": tenant.private_ip(db),
                "Protocol": "icmp",
            },
            "InvalidIpAddress.NotFound",
            404,
            other,
        ),
    ]
    for params, code, status, caller in cases:
        assert_refused(lambda c=caller, p=params: call(c, "AnalyzeReachability", **p), code, status)
    with pytest.raises(ServerException) as caught:
        call_v1(tenant, "AnalyzeReachability", Source=web, Destination=db, Protocol="udp")
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "MissingParameter",
        400,
    )


def test_matrix_of_a_vpc(server: RunningServer) -> None:
    tenant = new_tenant(server)
    vpc_id, vswitch_id = tenant.vpc("10.10.0.0/16")
    open_group, closed_group = tenant.group(vpc_id, "open"), tenant.group(vpc_id, "closed")
    tenant.authorize(open_group, "tcp", "22/22", source_cidr_ip="10.10.0.0/16")
    opened = tenant.run(open_group, vswitch_id, amount=2)
    (closed,) = tenant.run(closed_group, vswitch_id)
    for signature in ("v3", "v2"):
        body = call(
            tenant,
            "AnalyzeReachabilityMatrix",
            signature=signature,
            VpcId=vpc_id,
            Protocol="tcp",
            Port="22",
        )
        order = [i["InstanceId"] for i in body["instances"]]
        assert sorted(order) == sorted([*opened, closed])
        reaches = {
            order[i]: {order[j] for j, bit in enumerate(row) if bit == "1" and j != i}
            for i, row in enumerate(body["matrix"])
        }
        assert reaches == {
            opened[0]: {opened[1]},
            opened[1]: {opened[0]},
            closed: set(opened),
        }
        assert body["allowedPairs"] == 4
        assert (body["VpcId"], body["protocol"], body["port"]) == (vpc_id, "tcp", 22)
    assert_refused(
        lambda: call(tenant, "AnalyzeReachabilityMatrix", VpcId="vpc-nope", Protocol="icmp"),
        "InvalidVpcId.NotFound",
        404,
    )
    assert_refused(
        lambda: call(new_tenant(server), "AnalyzeReachabilityMatrix", VpcId=vpc_id, Protocol="all"),
        "InvalidVpcId.NotFound",
        404,
    )

    result = cli(
        server, "--matrix", "--vpc", vpc_id, "--protocol", "tcp", "--port", "22", key=tenant.key
    )
    assert result.returncode == 0, result.stderr
    assert "4 of 6 ordered pairs allowed" in result.stdout
    assert f"{closed} (" in result.stdout
    as_json = cli(
        server,
        "--matrix",
        "--vpc",
        vpc_id,
        "--protocol",
        "tcp",
        "--port",
        "22",
        "--json",
        key=tenant.key,
    )
    assert json.loads(as_json.stdout)["allowedPairs"] == 4


def test_cli_prints_the_contract_json_and_an_explanation(tiers: WebAndDatabase) -> None:
    tenant = tiers.tenant
    (rule_id,) = tenant.rule_ids(tiers.db_group)
    result = cli(
        tenant.server,
        tiers.web,
        tiers.db,
        "--protocol",
        "tcp",
        "--port",
        "3306",
        "--json",
        key=tenant.key,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "verdict": "allowed",
        "egress": OUT,
        "ingress": rule(tiers.db_group, rule_id),
    }
    denied = cli(
        tenant.server, tiers.db, tiers.web, "--protocol", "TCP", "--port", "3306", key=tenant.key
    )
    assert denied.returncode == 0, denied.stderr
    assert denied.stdout.startswith(f"denied: {tiers.db} (")
    assert "inbound traffic is denied by default" in denied.stdout
    allowed = cli(
        tenant.server, tiers.web, tiers.db, "--protocol", "tcp", "--port", "3306", key=tenant.key
    )
    assert f"allowed by rule {rule_id} of {tiers.db_group} (priority 1, Accept)" in allowed.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("i-1", "i-2", "--protocol", "tcp"), 2),  # tcp needs --port
        (("i-1", "--protocol", "icmp"), 2),  # no destination
        (("i-1", "i-2", "--protocol", "sctp"), 2),
        (("i-1", "i-2", "--protocol", "icmp", "--port", "22"), 2),
        (("--matrix", "--protocol", "icmp"), 2),  # no --vpc
        (("i-doesnotexist", "i-2", "--protocol", "icmp"), 1),  # an API error
    ],
)
def test_cli_exit_codes(server: RunningServer, args: tuple[str, ...], code: int) -> None:
    result = cli(server, *args)
    assert result.returncode == code, (result.stdout, result.stderr)
    if code == 1:
        assert json.loads(result.stderr)["Code"] == "InvalidInstanceId.NotFound"
