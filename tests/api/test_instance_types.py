"""DescribeInstanceTypes and DescribeInstanceTypeFamilies through the official SDKs."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.DescribeInstanceTypeFamiliesRequest import (
    DescribeInstanceTypeFamiliesRequest,
)
from aliyunsdkecs.request.v20140526.DescribeInstanceTypesRequest import (
    DescribeInstanceTypesRequest,
)

from tests.support.clients import acs_client, tea_ecs
from tests.support.server import RunningServer

Described = ecs_models.DescribeInstanceTypesResponseBodyInstanceTypesInstanceType


def _types(client: EcsClient, **fields: object) -> list[Described]:
    request = ecs_models.DescribeInstanceTypesRequest(**fields)
    return list(client.describe_instance_types(request).body.instance_types.instance_type)


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_describe_instance_types_by_id(server: RunningServer, signature: str) -> None:
    client = tea_ecs(server.endpoint, signature=signature)
    (g6,) = _types(client, instance_types=["ecs.g6.large"])
    assert g6.instance_type_id == "ecs.g6.large"
    assert g6.instance_type_family == "ecs.g6"
    assert (g6.cpu_core_count, g6.memory_size) == (2, 8)
    assert g6.cpu_architecture == "X86"
    assert g6.instance_category == "General-purpose"
    assert g6.instance_family_level == "EnterpriseLevel"
    assert g6.gpuamount == 0
    assert g6.eni_quantity >= 2
    assert g6.eni_private_ip_address_quantity >= 2
    assert g6.instance_bandwidth_rx == g6.instance_bandwidth_tx > 0
    assert g6.instance_pps_rx > 0
    assert g6.physical_processor_model.startswith("Intel Xeon")
    assert "BIOS" in g6.supported_boot_modes.supported_boot_mode


def test_describe_instance_types_unknown_ids_do_not_match(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    found = _types(client, instance_types=["ecs.n4.small", "ecs.nope.large", "ecs.t5-lc1m1.small"])
    assert [t.instance_type_id for t in found] == ["ecs.t5-lc1m1.small", "ecs.n4.small"]
    t5 = found[0]
    assert t5.instance_family_level == "CreditEntryLevel"
    assert t5.baseline_credit > 0 and t5.initial_credit > 0
    assert _types(client, instance_types=["ecs.nope.large"]) == []


def test_describe_instance_types_gpu_fields(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    t4 = _types(client, instance_type_family="ecs.gn6i")
    assert len(t4) >= 3
    for instance_type in t4:
        assert instance_type.gpuspec == "NVIDIA T4"
        assert instance_type.gpuamount >= 1
        assert instance_type.gpumemory_size == 16
        assert instance_type.instance_category == "Compute-optimized with GPU"
    specs = {t.gpuspec for t in _types(client, minimum_gpuamount=1)}
    assert specs == {"NVIDIA P100", "NVIDIA P4", "NVIDIA T4", "NVIDIA V100"}


def test_describe_instance_types_gpu_spec_is_fuzzy(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    fuzzy = _types(client, gpuspec="V100")
    assert fuzzy and {t.instance_type_family for t in fuzzy} == {"ecs.gn6v"}
    exact = _types(client, gpu_specs=["NVIDIA P4", "NVIDIA P100"])
    assert {t.instance_type_family for t in exact} == {"ecs.gn5", "ecs.gn5i"}
    assert _types(client, gpu_specs=["P100"]) == []


def test_describe_instance_types_fpga_family(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    f3 = _types(client, instance_type_family="ecs.f3")
    assert "ecs.f3-c16f1.4xlarge" in {t.instance_type_id for t in f3}
    assert all(t.instance_category == "Compute-optimized with FPGA" for t in f3)
    fpga = _types(client, instance_categories=["Compute-optimized with FPGA"])
    assert {t.instance_type_family for t in fpga} == {"ecs.f1", "ecs.f3"}


def test_describe_instance_types_cpu_and_memory_ranges(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    found = _types(
        client,
        minimum_cpu_core_count=4,
        maximum_cpu_core_count=4,
        minimum_memory_size=16.0,
        maximum_memory_size=16.0,
    )
    assert found
    assert all((t.cpu_core_count, t.memory_size) == (4, 16) for t in found)
    assert "ecs.g6.xlarge" in {t.instance_type_id for t in found}


def test_describe_instance_types_architecture_and_families(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    arm = _types(client, cpu_architecture="ARM")
    assert arm and {t.cpu_architecture for t in arm} == {"ARM"}
    both = _types(client, instance_type_families=["ecs.c6", "ecs.r6"])
    assert {t.instance_type_family for t in both} == {"ecs.c6", "ecs.r6"}
    assert {"ecs.c6.large", "ecs.c6.xlarge", "ecs.c6.2xlarge", "ecs.r6.large"} <= {
        t.instance_type_id for t in both
    }
    # the single and the list filter combine with AND
    assert _types(client, instance_type_family="ecs.g6", instance_type_families=["ecs.c6"]) == []


def test_describe_instance_types_local_storage(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    hdd = _types(client, local_storage_category="local_hdd_pro")
    assert {t.instance_type_family for t in hdd} == {"ecs.d1ne"}
    assert all(t.local_storage_amount >= 1 and t.local_storage_capacity > 0 for t in hdd)


def test_describe_instance_types_pages_with_next_token(server: RunningServer) -> None:
    client = tea_ecs(server.endpoint)
    everything = _types(client)
    assert len(everything) > 12
    seen: list[str] = []
    token: str | None = None
    while True:
        request = ecs_models.DescribeInstanceTypesRequest(max_results=5, next_token=token)
        body = client.describe_instance_types(request).body
        page = body.instance_types.instance_type
        assert len(page) <= 5
        seen += [t.instance_type_id for t in page]
        if not body.next_token:
            break
        token = body.next_token
    assert seen == [t.instance_type_id for t in everything]


def test_describe_instance_types_v1_sdk(server: RunningServer) -> None:
    client = acs_client(server.endpoint)
    request = DescribeInstanceTypesRequest()
    request.set_InstanceTypess(["ecs.c6.2xlarge", "ecs.r6.2xlarge"])
    body = json.loads(client.do_action_with_exception(request))
    found = {t["InstanceTypeId"]: t for t in body["InstanceTypes"]["InstanceType"]}
    assert set(found) == {"ecs.c6.2xlarge", "ecs.r6.2xlarge"}
    assert (found["ecs.c6.2xlarge"]["CpuCoreCount"], found["ecs.c6.2xlarge"]["MemorySize"]) == (
        8,
        16,
    )
    assert found["ecs.r6.2xlarge"]["MemorySize"] == 64
    assert body["NextToken"] == ""


@pytest.mark.parametrize(
    ("request_fields", "code"),
    [
        ({"next_token": "0000000a" + "0" * 24}, "InvalidParameter.NextToken"),
        ({"max_results": 0}, "InvalidParameter"),
        ({"cpu_architecture": "RISC-V"}, "InvalidParameter"),
        ({"instance_types": [f"ecs.g6.{n}xlarge" for n in range(11)]}, "InvalidParameter"),
    ],
    ids=["made-up-token", "zero-results", "architecture", "eleven-types"],
)
def test_describe_instance_types_refuses_bad_input(
    server: RunningServer, request_fields: dict[str, object], code: str
) -> None:
    client = tea_ecs(server.endpoint)
    with pytest.raises(ClientException) as caught:
        client.describe_instance_types(ecs_models.DescribeInstanceTypesRequest(**request_fields))
    assert caught.value.code == code
    assert caught.value.status_code == 400


# -- DescribeInstanceTypeFamilies ----------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_describe_instance_type_families(server: RunningServer, signature: str) -> None:
    client = tea_ecs(server.endpoint, signature=signature)
    response = client.describe_instance_type_families(
        ecs_models.DescribeInstanceTypeFamiliesRequest(region_id="cn-hangzhou")
    )
    families = {
        f.instance_type_family_id: f.generation
        for f in response.body.instance_type_families.instance_type_family
    }
    assert families["ecs.g6"] == "ecs-5"
    assert families["ecs.n1"] == "ecs-2"
    assert families["ecs.t5"] == "ecs-4"
    assert {"ecs.gn6i", "ecs.f3"} <= set(families)


def test_describe_instance_type_families_only_what_the_region_sells(
    server: RunningServer,
) -> None:
    client = tea_ecs(server.endpoint)
    response = client.describe_instance_type_families(
        ecs_models.DescribeInstanceTypeFamiliesRequest(region_id="cn-chengdu")
    )
    families = {
        f.instance_type_family_id for f in response.body.instance_type_families.instance_type_family
    }
    assert "ecs.g6" in families
    assert "ecs.f3" not in families


def test_describe_instance_type_families_by_generation(server: RunningServer) -> None:
    client = acs_client(server.endpoint)
    request = DescribeInstanceTypeFamiliesRequest()
    request.set_Generation("ecs-5")
    body = json.loads(client.do_action_with_exception(request))
    families = body["InstanceTypeFamilies"]["InstanceTypeFamily"]
    assert {f["InstanceTypeFamilyId"] for f in families} >= {"ecs.g6", "ecs.c6", "ecs.r6"}
    assert {f["Generation"] for f in families} == {"ecs-5"}
    request.set_Generation("ecs-99")
    body = json.loads(client.do_action_with_exception(request))
    assert body["InstanceTypeFamilies"]["InstanceTypeFamily"] == []


def test_describe_instance_type_families_unknown_region(server: RunningServer) -> None:
    client = acs_client(server.endpoint, region="cn-atlantis")
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(DescribeInstanceTypeFamiliesRequest())
    assert caught.value.get_error_code() == "InvalidRegionId.NotFound"
    assert caught.value.get_http_status() == 404
