"""The generic parameter parser: every wire shape, every refusal, table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from ecsim.api.params import (
    Boolean,
    Float,
    Integer,
    JsonList,
    Kind,
    Long,
    Object,
    Param,
    RepeatList,
    String,
    parse_params,
)
from ecsim.errors import EcsError, InvalidParameter, MissingParameter

TAG = RepeatList("Tag", fields=(String("Key", required=True), String("Value")), max_items=20)
INSTANCE_ID = RepeatList("InstanceId", max_items=100)
PORTS = RepeatList("Port", item=Kind.INTEGER)
NIC = RepeatList(
    "NetworkInterface",
    fields=(String("VSwitchId"), RepeatList("SecurityGroupIds", max_items=5)),
)
SYSTEM_DISK = Object(
    "SystemDisk",
    fields=(String("Category", default="cloud_efficiency"), Integer("Size", minimum=20)),
)
INSTANCE_IDS = JsonList("InstanceIds", max_items=100)
RESOURCE_TAGS = RepeatList("TargetResourceTags", fields=(String("Key"), String("Value")))


def ok(id: str, declared: Param | tuple[Param, ...], raw: dict[str, str], expected: Any) -> Any:
    decl = declared if isinstance(declared, tuple) else (declared,)
    return pytest.param(decl, raw, expected, id=id)


ACCEPTED = [
    # .N lists
    ok(
        "list-in-order",
        INSTANCE_ID,
        {"InstanceId.2": "b", "InstanceId.1": "a"},
        {"InstanceId": ["a", "b"]},
    ),
    ok(
        "list-gaps-keep-index-order",
        INSTANCE_ID,
        {"InstanceId.5": "c", "InstanceId.1": "a", "InstanceId.3": "b"},
        {"InstanceId": ["a", "b", "c"]},
    ),
    ok(
        "list-sorted-numerically-not-as-text",
        INSTANCE_ID,
        {"InstanceId.10": "j", "InstanceId.9": "i", "InstanceId.1": "a"},
        {"InstanceId": ["a", "i", "j"]},
    ),
    ok(
        "list-empty-item-skipped",
        INSTANCE_ID,
        {"InstanceId.1": "", "InstanceId.2": "b"},
        {"InstanceId": ["b"]},
    ),
    ok("list-of-integers", PORTS, {"Port.1": "22", "Port.2": "-1"}, {"Port": [22, -1]}),
    ok(
        "list-of-objects",
        TAG,
        {"Tag.1.Key": "a", "Tag.1.Value": "1", "Tag.2.Key": "b"},
        {"Tag": [{"Key": "a", "Value": "1"}, {"Key": "b"}]},
    ),
    ok(
        "nested-list",
        NIC,
        {
            "NetworkInterface.1.VSwitchId": "vsw-1",
            "NetworkInterface.1.SecurityGroupIds.2": "sg-b",
            "NetworkInterface.1.SecurityGroupIds.1": "sg-a",
            "NetworkInterface.2.VSwitchId": "vsw-2",
        },
        {
            "NetworkInterface": [
                {"VSwitchId": "vsw-1", "SecurityGroupIds": ["sg-a", "sg-b"]},
                {"VSwitchId": "vsw-2"},
            ]
        },
    ),
    ok(
        "list-as-json-string",
        RESOURCE_TAGS,
        {"TargetResourceTags": '[{"Key":"k","Value":"v"},{"Key":"k2","Value":null}]'},
        {"TargetResourceTags": [{"Key": "k", "Value": "v"}, {"Key": "k2"}]},
    ),
    # flat objects
    ok(
        "object-flat",
        SYSTEM_DISK,
        {"SystemDisk.Category": "cloud_essd", "SystemDisk.Size": "40"},
        {"SystemDisk": {"Category": "cloud_essd", "Size": 40}},
    ),
    ok(
        "object-as-json-string",
        SYSTEM_DISK,
        {"SystemDisk": '{"Category":"cloud_essd","Size":40}'},
        {"SystemDisk": {"Category": "cloud_essd", "Size": 40}},
    ),
    ok(
        "object-json-null-is-absent",
        SYSTEM_DISK,
        {"SystemDisk": '{"Category":null,"Size":"40"}'},
        {"SystemDisk": {"Category": "cloud_efficiency", "Size": 40}},
    ),
    ok(
        "object-field-default",
        SYSTEM_DISK,
        {"SystemDisk.Size": "20"},
        {"SystemDisk": {"Category": "cloud_efficiency", "Size": 20}},
    ),
    # JSON-array strings
    ok(
        "json-list", INSTANCE_IDS, {"InstanceIds": '["i-1","i-2"]'}, {"InstanceIds": ["i-1", "i-2"]}
    ),
    ok("json-list-empty-is-a-filter", INSTANCE_IDS, {"InstanceIds": "[]"}, {"InstanceIds": []}),
    ok(
        "json-list-of-integers",
        JsonList("Ports", item=Kind.INTEGER),
        {"Ports": '[1, "2"]'},
        {"Ports": [1, 2]},
    ),
    # booleans
    ok("bool-python-True", Boolean("DryRun"), {"DryRun": "True"}, {"DryRun": True}),
    ok("bool-go-true", Boolean("DryRun"), {"DryRun": "true"}, {"DryRun": True}),
    ok("bool-FALSE", Boolean("DryRun"), {"DryRun": "FALSE"}, {"DryRun": False}),
    # integers
    ok("int32-min", Integer("N"), {"N": "-2147483648"}, {"N": -(2**31)}),
    ok("int32-max", Integer("N"), {"N": "2147483647"}, {"N": 2**31 - 1}),
    ok("int-with-plus", Integer("N"), {"N": "+7"}, {"N": 7}),
    ok("int64-max", Long("N"), {"N": "9223372036854775807"}, {"N": 2**63 - 1}),
    ok("int64-min", Long("N"), {"N": "-9223372036854775808"}, {"N": -(2**63)}),
    ok("int-at-minimum", Integer("N", minimum=1, maximum=100), {"N": "1"}, {"N": 1}),
    ok("int-at-maximum", Integer("N", minimum=1, maximum=100), {"N": "100"}, {"N": 100}),
    ok("float-leading-dot", Float("F"), {"F": "-.5"}, {"F": -0.5}),
    ok("float-exponent", Float("F"), {"F": "1e3"}, {"F": 1000.0}),
    # strings
    ok("enum-member", String("S", enum=("a", "b")), {"S": "b"}, {"S": "b"}),
    ok("max-length-counts-characters", String("S", max_length=3), {"S": "日本語"}, {"S": "日本語"}),
    # absence, defaults, unknowns
    ok("empty-is-absent", String("S"), {"S": ""}, {}),
    ok("default-when-absent", Integer("PageSize", default=10), {}, {"PageSize": 10}),
    ok(
        "unknown-params-ignored",
        (String("RegionId"),),
        {"RegionId": "cn-hangzhou", "on": "DescribeRegions", "Foo.1.Bar": "x", "Tag.0": "y"},
        {"RegionId": "cn-hangzhou"},
    ),
]


@pytest.mark.parametrize(("declared", "raw", "expected"), ACCEPTED)
def test_accepted(declared: tuple[Param, ...], raw: dict[str, str], expected: Any) -> None:
    assert parse_params(declared, raw) == expected


def refused(
    id: str,
    declared: Param | tuple[Param, ...],
    raw: dict[str, str],
    name: str,
    *,
    missing: bool = False,
    code: str | None = None,
    status: int = 400,
) -> Any:
    """A refusal naming ``name``: MissingParameter, or InvalidParameter / the declared code."""
    decl = declared if isinstance(declared, tuple) else (declared,)
    error = MissingParameter if missing else InvalidParameter
    default_code = "MissingParameter" if missing else "InvalidParameter"
    return pytest.param(decl, raw, error, name, code or default_code, status, id=id)


BANDWIDTH = Integer(
    "InternetMaxBandwidthOut", maximum=100, code="InvalidInternetMaxBandwidthOut.Malformed"
)
OWNED_LIST = RepeatList(
    "SecurityGroupIds", max_items=2, code="InvalidSecurityGroupIds.Malformed", http_status=403
)

REFUSED = [
    # .N lists
    refused("list-index-0", INSTANCE_ID, {"InstanceId.0": "a"}, "InstanceId.0"),
    refused("list-index-non-numeric", INSTANCE_ID, {"InstanceId.x": "a"}, "InstanceId.x"),
    refused("list-index-leading-zero", INSTANCE_ID, {"InstanceId.01": "a"}, "InstanceId.01"),
    refused("list-index-negative", INSTANCE_ID, {"InstanceId.-1": "a"}, "InstanceId.-1"),
    refused("list-index-unicode-digit", INSTANCE_ID, {"InstanceId.1١": "a"}, "InstanceId.1١"),
    refused(
        "list-too-many", INSTANCE_ID, {f"InstanceId.{i}": "a" for i in range(1, 102)}, "InstanceId"
    ),
    refused(
        "list-over-hard-cap", RepeatList("Any"), {f"Any.{i}": "a" for i in range(1, 1002)}, "Any"
    ),
    refused("list-sent-as-scalar", TAG, {"Tag": "x"}, "Tag"),
    refused("list-json-broken", TAG, {"Tag": "[1"}, "Tag"),
    refused("list-item-required-field", TAG, {"Tag.1.Value": "v"}, "Tag.1.Key", missing=True),
    refused("list-of-values-with-subkeys", INSTANCE_ID, {"InstanceId.1.Foo": "a"}, "InstanceId.1"),
    refused("list-item-bad-integer", PORTS, {"Port.1": "22", "Port.2": "ssh"}, "Port.2"),
    refused(
        "nested-list-index-0",
        NIC,
        {"NetworkInterface.1.SecurityGroupIds.0": "sg-a"},
        "NetworkInterface.1.SecurityGroupIds.0",
    ),
    refused(
        "nested-list-too-many",
        NIC,
        {f"NetworkInterface.1.SecurityGroupIds.{i}": "sg" for i in range(1, 7)},
        "NetworkInterface.1.SecurityGroupIds",
    ),
    refused(
        "list-required", RepeatList("InstanceId", required=True), {}, "InstanceId.1", missing=True
    ),
    # objects
    refused("object-field-invalid", SYSTEM_DISK, {"SystemDisk.Size": "big"}, "SystemDisk.Size"),
    refused(
        "object-field-below-minimum", SYSTEM_DISK, {"SystemDisk.Size": "10"}, "SystemDisk.Size"
    ),
    refused("object-json-broken", SYSTEM_DISK, {"SystemDisk": "{bad"}, "SystemDisk"),
    refused("object-json-not-an-object", SYSTEM_DISK, {"SystemDisk": "[1]"}, "SystemDisk"),
    refused(
        "object-json-too-deep",
        SYSTEM_DISK,
        {"SystemDisk": '{"a":' * 5000 + "1" + "}" * 5000},
        "SystemDisk",
    ),
    refused("object-required", Object("O", required=True), {}, "O", missing=True),
    # JSON-array strings
    refused("json-list-not-json", INSTANCE_IDS, {"InstanceIds": "i-1"}, "InstanceIds"),
    refused("json-list-a-string", INSTANCE_IDS, {"InstanceIds": '"i-1"'}, "InstanceIds"),
    refused("json-list-an-object", INSTANCE_IDS, {"InstanceIds": '{"a":1}'}, "InstanceIds"),
    refused("json-list-nested-list", INSTANCE_IDS, {"InstanceIds": '[["i-1"]]'}, "InstanceIds"),
    refused("json-list-nested-object", INSTANCE_IDS, {"InstanceIds": '[{"a":1}]'}, "InstanceIds"),
    refused("json-list-null-item", INSTANCE_IDS, {"InstanceIds": "[null]"}, "InstanceIds"),
    refused("json-list-too-deep", INSTANCE_IDS, {"InstanceIds": "[" * 100_000}, "InstanceIds"),
    refused(
        "json-list-too-many", INSTANCE_IDS, {"InstanceIds": str(list(range(101)))}, "InstanceIds"
    ),
    refused(
        "json-list-bad-item", JsonList("Ports", item=Kind.INTEGER), {"Ports": "[1.5]"}, "Ports"
    ),
    # booleans
    refused("bool-yes", Boolean("DryRun"), {"DryRun": "yes"}, "DryRun"),
    refused("bool-1", Boolean("DryRun"), {"DryRun": "1"}, "DryRun"),
    # integers
    refused("int32-over", Integer("N"), {"N": "2147483648"}, "N"),
    refused("int32-under", Integer("N"), {"N": "-2147483649"}, "N"),
    refused("int64-over", Long("N"), {"N": "9223372036854775808"}, "N"),
    refused("int-30-digits", Long("N"), {"N": "9" * 30}, "N"),
    refused("int-100k-digits", Long("N"), {"N": "9" * 100_000}, "N"),
    refused("int-decimal", Integer("N"), {"N": "1.0"}, "N"),
    refused("int-hex", Integer("N"), {"N": "0x10"}, "N"),
    refused("int-space", Integer("N"), {"N": " 1"}, "N"),
    refused("int-trailing-newline", Integer("N"), {"N": "1\n"}, "N"),
    refused("int-unicode-digit", Integer("N"), {"N": "٣"}, "N"),
    refused("int-below-minimum", Integer("N", minimum=1), {"N": "0"}, "N"),
    refused("int-above-maximum", Integer("N", maximum=100), {"N": "101"}, "N"),
    refused("float-nan", Float("F"), {"F": "nan"}, "F"),
    refused("float-infinite", Float("F"), {"F": "1e999"}, "F"),
    refused("float-underscore", Float("F"), {"F": "1_0"}, "F"),
    refused("float-above-maximum", Float("F", maximum=1), {"F": "1.5"}, "F"),
    # strings
    refused("enum-is-case-sensitive", String("S", enum=("a", "b")), {"S": "A"}, "S"),
    refused("max-length", String("S", max_length=3), {"S": "abcd"}, "S"),
    refused("required-absent", String("RegionId", required=True), {}, "RegionId", missing=True),
    refused(
        "required-empty",
        String("RegionId", required=True),
        {"RegionId": ""},
        "RegionId",
        missing=True,
    ),
    # the declaration's own code
    refused(
        "own-code-for-range",
        BANDWIDTH,
        {"InternetMaxBandwidthOut": "101"},
        "InternetMaxBandwidthOut",
        code="InvalidInternetMaxBandwidthOut.Malformed",
    ),
    refused(
        "own-code-and-status-for-list-index",
        OWNED_LIST,
        {"SecurityGroupIds.0": "sg"},
        "SecurityGroupIds.0",
        code="InvalidSecurityGroupIds.Malformed",
        status=403,
    ),
    refused(
        "own-code-for-too-many",
        OWNED_LIST,
        {f"SecurityGroupIds.{i}": "sg" for i in (1, 2, 3)},
        "SecurityGroupIds",
        code="InvalidSecurityGroupIds.Malformed",
        status=403,
    ),
]


@pytest.mark.parametrize(("declared", "raw", "error", "name", "code", "status"), REFUSED)
def test_refused(
    declared: tuple[Param, ...],
    raw: dict[str, str],
    error: type[EcsError],
    name: str,
    code: str,
    status: int,
) -> None:
    with pytest.raises(error) as caught:
        parse_params(declared, raw)
    assert caught.value.code == code
    assert caught.value.http_status == status
    assert getattr(caught.value, "parameter", None) == name
    assert f'"{name}"' in caught.value.message


def test_missing_parameter_message_is_the_documented_one() -> None:
    with pytest.raises(MissingParameter) as caught:
        parse_params((String("RegionId", required=True),), {})
    assert caught.value.message == (
        'The input parameter "RegionId" that is mandatory for processing this request '
        "is not supplied."
    )
