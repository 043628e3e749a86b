"""The CLI's pure parts: parameter splitting, endpoint parsing and the signed form body."""

from __future__ import annotations

import shlex
from urllib.parse import parse_qsl

import click
import pytest

from ecsim import signing
from ecsim.cli.calls import split_api_params
from ecsim.cli.client import Endpoint, signed_form


def test_guide_command_line() -> None:
    args = shlex.split(
        "AuthorizeSecurityGroup --SecurityGroupId sg-1 --RegionId cn-qingdao --IpProtocol all "
        "--PortRange -1/-1 --SourceCidrIp 10.0.0.2 --NicType intranet"
    )
    rest, params = split_api_params(args)
    assert rest == ["AuthorizeSecurityGroup"]
    assert params == {
        "SecurityGroupId": "sg-1",
        "RegionId": "cn-qingdao",
        "IpProtocol": "all",
        "PortRange": "-1/-1",
        "SourceCidrIp": "10.0.0.2",
        "NicType": "intranet",
    }


def test_own_options_are_left_for_click() -> None:
    rest, params = split_api_params(
        [
            "--endpoint",
            "http://h:1",
            "DescribeInstances",
            "--access-key-id=k",
            "--Tag.1.Key",
            "env",
            "--Description=--x=y",
            "--InstanceName",
            "-h",
            "--help",
        ]
    )
    assert rest == ["--endpoint", "http://h:1", "DescribeInstances", "--access-key-id=k", "--help"]
    assert params == {"Tag.1.Key": "env", "Description": "--x=y", "InstanceName": "-h"}


def test_empty_value_is_allowed_with_equals() -> None:
    assert split_api_params(["--Description="]) == ([], {"Description": ""})


@pytest.mark.parametrize(
    "args",
    [
        ["--A", "1", "--A", "2"],
        ["--A", "1", "--A=1"],
        ["--A"],
        ["--A", "--B", "x"],
        ["---A", "x"],
        ["--Signature", "x"],
        ["--Action=Foo"],
    ],
)
def test_refused(args: list[str]) -> None:
    with pytest.raises(click.UsageError):
        split_api_params(args)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080", Endpoint("http", "127.0.0.1", 8080, "/")),
        ("127.0.0.1:9", Endpoint("http", "127.0.0.1", 9, "/")),
        ("https://example.test", Endpoint("https", "example.test", 443, "/")),
        ("http://[::1]:8080/", Endpoint("http", "::1", 8080, "/")),
    ],
)
def test_endpoint_parse(url: str, expected: Endpoint) -> None:
    assert Endpoint.parse(url) == expected


@pytest.mark.parametrize("url", ["ftp://h", "http://", "http://h:99999"])
def test_endpoint_refused(url: str) -> None:
    with pytest.raises(ValueError):
        Endpoint.parse(url)


def test_signed_form_round_trips_and_verifies() -> None:
    params = {"RegionId": "cn-hangzhou", "Tag.1.Key": "a b*~+é/&=", "Empty": ""}
    body = signed_form(
        "2014-05-26",
        "DescribeInstances",
        params,
        "testak",
        "testsecret",
        nonce="nonce-123",
        timestamp="2024-01-02T03:04:05Z",
    )
    # what a server decodes from the body ...
    decoded = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))
    assert {k: decoded[k] for k in params} == params
    assert decoded["Action"] == "DescribeInstances" and decoded["Version"] == "2014-05-26"
    assert decoded["SignatureMethod"] == "HMAC-SHA1" and decoded["SignatureVersion"] == "1.0"
    # ... verifies with the server's own definition of the signature
    expected = signing.rpc_signature("testsecret", signing.rpc_string_to_sign("POST", decoded))
    assert decoded["Signature"] == expected


def test_signed_form_refuses_common_parameters() -> None:
    with pytest.raises(ValueError):
        signed_form("2014-05-26", "X", {"Timestamp": "x"}, "k", "s")
