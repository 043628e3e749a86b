"""The wire protocol against the running server: formats, proxy form, CONNECT, headers, and
bad input of every kind, which must always get a 4xx with a Code, never a 500."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import httpx
import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_tea_openapi import models as open_api_models
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest

from ecsim.api.products import ECS
from ecsim.api.protocol import MAX_URL_BYTES
from tests.api.signed import Reply, raw_exchange, send, v1_params, v3_headers
from tests.support.clients import ROOT_KEY
from tests.support.server import RunningServer

PROXIED_HOST = "ecs-cn-hangzhou.aliyuncs.com"
MIB = 1024 * 1024


def assert_refused(reply: Reply, status: int, code: str, *, names: str | None = None) -> None:
    assert 400 <= reply.status < 500, reply.body
    assert reply.content_type == "application/json;charset=utf-8"
    body = reply.json()
    assert (reply.status, body.get("Code")) == (status, code), body
    assert body["RequestId"] and body["HostId"] and body["Recommend"] and body["Message"]
    if names is not None:
        assert f'"{names}"' in body["Message"], body["Message"]


def region_ids(reply: Reply) -> set[str]:
    assert reply.status == 200, reply.body
    return {r["RegionId"] for r in reply.json()["Regions"]["Region"]}


# formats ------------------------------------------------------------------------------------


def test_xml_success(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", {"Format": "XML"}, method="GET")
    reply = send(server.url, method="GET", query=params)
    assert (reply.status, reply.content_type) == (200, "text/xml;charset=utf-8")
    root = ET.fromstring(reply.body)
    assert root.tag == "DescribeRegionsResponse"
    assert root.findtext("RequestId")
    ids = [e.text for e in root.findall("./Regions/Region/RegionId")]
    assert "cn-hangzhou" in ids and len(ids) == len(set(ids)) > 1


@pytest.mark.parametrize("fmt", ["XML", "xml"])
def test_xml_error(server: RunningServer, fmt: str) -> None:
    params = v1_params("DescribeRegions", {"Format": fmt, "AcceptLanguage": "xx"})
    reply = send(server.url, query=params)
    assert (reply.status, reply.content_type) == (404, "text/xml;charset=utf-8")
    root = ET.fromstring(reply.body)
    assert root.tag == "Error"
    assert root.findtext("Code") == "InvalidAcceptLanguage.NotFound"
    assert {e.tag for e in root} == {"RequestId", "HostId", "Code", "Message", "Recommend"}


def test_xml_signature_error(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", {"Format": "XML"}, key=("ecsim", "wrong"))
    reply = send(server.url, query=params)
    assert (reply.status, reply.content_type) == (400, "text/xml;charset=utf-8")
    assert ET.fromstring(reply.body).findtext("Code") == "SignatureDoesNotMatch"


def test_json_is_the_default(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", Format=None)
    reply = send(server.url, query=params)
    assert (reply.status, reply.content_type) == (200, "application/json;charset=utf-8")
    assert "Code" not in reply.json()


# proxy form and CONNECT ---------------------------------------------------------------------


def test_proxy_form_v1(server: RunningServer) -> None:
    query = urlencode(v1_params("DescribeRegions"))
    request = (
        f"POST http://{PROXIED_HOST}/?{query} HTTP/1.1\r\n"
        f"Host: {PROXIED_HOST}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    reply, _ = raw_exchange(server.url, request.encode())
    assert "cn-hangzhou" in region_ids(reply)


def test_proxy_form_v3_signs_the_proxied_host(server: RunningServer) -> None:
    headers = v3_headers(PROXIED_HOST, "DescribeRegions")
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = f"POST http://{PROXIED_HOST}/ HTTP/1.1\r\n{lines}Content-Length: 0\r\n\r\n"
    reply, _ = raw_exchange(server.url, request.encode())
    assert "cn-hangzhou" in region_ids(reply)


def test_v1_sdk_through_http_proxy(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # footmark and other code without an endpoint option: the client keeps the real endpoint
    # and only the proxy points at ecsim.
    monkeypatch.setenv("HTTP_PROXY", server.url)
    for name in ("HTTPS_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    client = AcsClient(*ROOT_KEY, "cn-hangzhou")
    body = json.loads(client.do_action_with_exception(DescribeRegionsRequest()))
    assert "cn-hangzhou" in {r["RegionId"] for r in body["Regions"]["Region"]}


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_tea_sdk_through_http_proxy(server: RunningServer, signature: str) -> None:
    config = open_api_models.Config(
        access_key_id=ROOT_KEY[0],
        access_key_secret=ROOT_KEY[1],
        region_id="cn-hangzhou",
        protocol="http",
        http_proxy=server.url,
    )
    if signature == "v2":
        config.signature_algorithm = "v2"
    client = EcsClient(config)
    response = client.describe_regions(ecs_models.DescribeRegionsRequest())
    assert response.status_code == 200 and response.body.regions.region


def test_connect_refused_at_once(server: RunningServer) -> None:
    request = (
        b"CONNECT location-readonly.aliyuncs.com:443 HTTP/1.1\r\n"
        b"Host: location-readonly.aliyuncs.com:443\r\n\r\n"
    )
    reply, headers = raw_exchange(server.url, request)
    assert_refused(reply, 405, "UnsupportedHTTPMethod")
    assert headers["connection"] == "close"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_refused(server: RunningServer, method: str) -> None:
    assert_refused(send(server.url, method=method), 405, "UnsupportedHTTPMethod")


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /?Action=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"HELLO\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
    ],
    ids=["raw-bytes-in-url", "not-http", "bad-content-length"],
)
def test_unreadable_http_gets_a_json_error(server: RunningServer, request_bytes: bytes) -> None:
    reply, headers = raw_exchange(server.url, request_bytes)
    assert_refused(reply, 400, "InvalidParameter")
    assert headers["connection"] == "close"


# action and version -------------------------------------------------------------------------


def test_action_and_version_from_headers_with_v1(server: RunningServer) -> None:
    params = v1_params("", Action=None, Version=None)
    headers = {"x-acs-action": "DescribeRegions", "x-acs-version": ECS.version}
    assert "cn-hangzhou" in region_ids(send(server.url, query=params, headers=headers))


def test_unknown_action(server: RunningServer) -> None:
    reply = send(server.url, query=v1_params("DescribeGizmos"))
    assert_refused(reply, 404, "InvalidAction.NotFound")


@pytest.mark.parametrize("name", ["Action", "Version"])
def test_missing_action_or_version(server: RunningServer, name: str) -> None:
    reply = send(server.url, query=v1_params("DescribeRegions", **{name: None}))
    assert_refused(reply, 400, "MissingParameter", names=name)


@pytest.mark.parametrize("version", ["2099-01-01", "2014-5-26", "", "x" * 1000])
def test_unknown_version(server: RunningServer, version: str) -> None:
    reply = send(server.url, query=v1_params("DescribeRegions", Version=version))
    if version:
        assert_refused(reply, 400, "InvalidParameter")
    else:
        assert_refused(reply, 400, "MissingParameter", names="Version")


@pytest.mark.parametrize(
    "action",
    [
        "../../etc/passwd",
        "Describe Regions",
        "describeregions",
        "DescribeRegions\x00",
        "DescribeRegions\r\nX-Injected: 1",
        "华东",
        "<Error>",
        "A" * 5000,
    ],
    ids=["path", "space", "lower-case", "nul", "crlf", "non-ascii", "markup", "long"],
)
def test_garbage_action(server: RunningServer, action: str) -> None:
    assert_refused(send(server.url, query=v1_params(action)), 404, "InvalidAction.NotFound")


# parameters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"on": "DescribeRegions"},
        {"RegionId": "cn-hangzhou", "SignatureType": "", "SecurityToken": ""},
        {"Tag.0.Key": "x", "Tag.x": "y", "Tag..Key": "z"},
        {".": "1", "..": "2", "Tag.1.Key.": "v", "=": "w"},
        {"Tag.99999999999999999999.Key": "v", "InstanceIds": "[[[[", "SystemDisk": "{"},
    ],
    ids=["footmark-on", "sdk-extras", "broken-lists", "odd-names", "broken-values"],
)
def test_unknown_parameters_ignored(server: RunningServer, extra: dict[str, str]) -> None:
    assert "cn-hangzhou" in region_ids(send(server.url, query=v1_params("DescribeRegions", extra)))


def get_raw(server: RunningServer, query: str) -> Reply:
    # httpx refuses URLs over 64 KiB, so these go out by hand.
    request = f"GET /?{query} HTTP/1.1\r\nHost: {server.endpoint}\r\n\r\n"
    reply, _ = raw_exchange(server.url, request.encode())
    return reply


def test_one_megabyte_parameter_in_query_refused(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", {"Description": "x" * MIB}, method="GET")
    assert_refused(get_raw(server, urlencode(params)), 413, "RequestTooLarge")


def test_longest_url_accepted(server: RunningServer) -> None:
    # the encoded signature's length varies a little (+, / and = take three characters)
    params = v1_params("DescribeRegions", {"Description": ""}, method="GET")
    room = MAX_URL_BYTES - len("/?" + urlencode(params)) - 32
    params = v1_params("DescribeRegions", {"Description": "x" * room}, method="GET")
    query = urlencode(params)
    assert MAX_URL_BYTES - 64 < len("/?" + query) <= MAX_URL_BYTES
    assert "cn-hangzhou" in region_ids(get_raw(server, query))


def test_one_megabyte_parameter_in_form_body(server: RunningServer) -> None:
    # 1 MiB of UTF-8, 3 MiB once percent-encoded
    params = v1_params("DescribeRegions", {"Description": "€" * (MIB // 3)})
    assert "cn-hangzhou" in region_ids(send(server.url, body=params))


def test_one_megabyte_declared_parameter(server: RunningServer) -> None:
    params = v1_params("DescribeRegions", {"AcceptLanguage": "x" * MIB})
    assert_refused(send(server.url, body=params), 404, "InvalidAcceptLanguage.NotFound")


def test_ten_megabyte_body_refused(server: RunningServer) -> None:
    body = b"Description=" + b"x" * (10 * MIB)
    headers = {"content-type": "application/x-www-form-urlencoded"}
    assert_refused(send(server.url, body=body, headers=headers), 413, "RequestTooLarge")


def test_ten_megabyte_body_refused_answer_reaches_urllib(server: RunningServer) -> None:
    # urllib asks to close the connection and reads only after writing everything: the
    # server must take the whole body in before answering, or urllib sees a reset.
    request = urllib.request.Request(
        server.url + "/",
        data=b"x" * (10 * MIB),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    with caught.value as error:
        assert error.code == 413
        assert json.loads(error.read())["Code"] == "RequestTooLarge"


def test_huge_query_string_refused(server: RunningServer) -> None:
    query = "Action=DescribeRegions&Description=" + "x" * (5 * MIB)
    assert_refused(get_raw(server, query), 413, "RequestTooLarge")


def test_chunked_body_over_the_limit_refused(server: RunningServer) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(50):
            yield b"x" * (100 * 1024)

    with httpx.Client(trust_env=False, timeout=30) as client:
        response = client.post(server.url + "/", content=chunks())
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["Code"] == "RequestTooLarge"


@pytest.mark.parametrize(
    "query",
    ["Action=DescribeRegions&Version=2014-05-26&Description=%FF", "Action=%C3%28"],
    ids=["invalid-byte", "broken-sequence"],
)
def test_non_utf8_query(server: RunningServer, query: str) -> None:
    assert_refused(send(server.url, query=query), 400, "InvalidParameter", names="query string")


@pytest.mark.parametrize(
    "body",
    [b"Action=DescribeRegions&Description=%FF", b"Description=\xff\xfe"],
    ids=["escaped", "raw"],
)
def test_non_utf8_form_body(server: RunningServer, body: bytes) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    reply = send(server.url, body=body, headers=headers)
    assert_refused(reply, 400, "InvalidParameter", names="request body")


def test_raw_utf8_in_form_body_is_accepted(server: RunningServer) -> None:
    # curl --data 'Description=café' sends the bytes unescaped
    params = v1_params("DescribeRegions", {"Description": "café 华东"})
    body = "&".join(
        f"{quote(k)}={v if k == 'Description' else quote(v)}" for k, v in params.items()
    )
    headers = {"content-type": "application/x-www-form-urlencoded; charset=UTF-8"}
    assert "cn-hangzhou" in region_ids(send(server.url, body=body.encode(), headers=headers))


def test_control_character_in_a_name(server: RunningServer) -> None:
    reply = send(server.url, query="Action=DescribeRegions&Bad%00Name=1")
    assert_refused(reply, 400, "InvalidParameter")


# .N lists on an action that declares one ----------------------------------------------------


def describe_instance_types(server: RunningServer, params: dict[str, str]) -> Reply:
    return send(server.url, body=v1_params("DescribeInstanceTypes", params))


def test_list_with_gaps_accepted(server: RunningServer) -> None:
    params = {"InstanceTypes.7": "ecs.g6.large", "InstanceTypes.2": "ecs.g6.xlarge"}
    reply = describe_instance_types(server, params)
    assert reply.status == 200, reply.body
    assert "Code" not in reply.json()


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"InstanceTypes.0": "ecs.g6.large"}, "InstanceTypes.0"),
        ({"InstanceTypes.x": "ecs.g6.large"}, "InstanceTypes.x"),
        ({"InstanceTypes.1.Key": "ecs.g6.large"}, "InstanceTypes.1"),
        ({"InstanceTypes": "ecs.g6.large"}, "InstanceTypes"),
        ({f"InstanceTypes.{i}": "t" for i in range(1, 1002)}, "InstanceTypes"),
    ],
    ids=["index-0", "index-not-a-number", "sub-key", "scalar", "too-many"],
)
def test_broken_list_refused(server: RunningServer, params: dict[str, str], names: str) -> None:
    reply = describe_instance_types(server, params)
    assert 400 <= reply.status < 500, reply.body
    body = reply.json()
    assert body["Code"].startswith("Invalid")
    assert f'"{names}"' in body["Message"]
