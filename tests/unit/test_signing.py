"""The signature algorithms against the reference vectors and the SDKs' own signers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from alibabacloud_tea_openapi.utils import Utils as TeaUtils
from aliyunsdkcore.auth.composer import rpc_signature_composer

from ecsim import signing

V1_VECTOR_PARAMS = {
    "Action": "DescribeInstances",
    "Version": "2014-05-26",
    "RegionId": "cn-hangzhou",
    "InstanceIds": '["i-abc"]',
    "Tag.1.Key": "a b*~",
    "Timestamp": "2024-01-02T03:04:05Z",
    "SignatureNonce": "nonce-123",
    "AccessKeyId": "testak",
    "Format": "JSON",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureType": "",
    "SignatureVersion": "1.0",
}

V3_VECTOR_HEADERS = {
    "host": "127.0.0.1:18080",
    "x-acs-action": "DescribeInstances",
    "x-acs-version": "2014-05-26",
    "x-acs-date": "2024-01-02T03:04:05Z",
    "x-acs-signature-nonce": "nonce-123",
    "accept": "application/json",
    "x-acs-content-sha256": signing.EMPTY_SHA256,
}
V3_VECTOR_QUERY = {"RegionId": "cn-hangzhou", "InstanceIds": '["i-abc"]'}

# Values that stress the encoder: reserved characters, the three characters clients patch
# after urlencode (+, *, ~), a literal percent, non-ASCII in two and four UTF-8 bytes.
AWKWARD_VALUES = [
    "a b",
    "a+b",
    "*",
    "~",
    "a/b?c=d&e",
    "100%",
    "é",
    "华东1（杭州）",
    "😀",
    "",
    "tab\there",
    "'\"<>!$()",
]


def test_v1_reference_vector() -> None:
    string_to_sign = signing.rpc_string_to_sign("POST", V1_VECTOR_PARAMS)
    assert string_to_sign.startswith("POST&%2F&AccessKeyId%3Dtestak%26Action%3D")
    assert signing.rpc_signature("testsecret", string_to_sign) == "cnebYAK4W4NUNGdj46izj5l/W6A="


def test_v1_ignores_a_signature_among_the_params() -> None:
    with_signature = {**V1_VECTOR_PARAMS, "Signature": "whatever"}
    assert signing.rpc_string_to_sign("POST", with_signature) == signing.rpc_string_to_sign(
        "POST", V1_VECTOR_PARAMS
    )


def test_v1_method_is_part_of_the_signature() -> None:
    post = signing.rpc_string_to_sign("POST", V1_VECTOR_PARAMS)
    get = signing.rpc_string_to_sign("get", V1_VECTOR_PARAMS)
    assert get.startswith("GET&%2F&")
    assert signing.rpc_signature("s", post) != signing.rpc_signature("s", get)


def test_v3_reference_vector() -> None:
    canonical = signing.v3_canonical_request(
        "POST",
        "/",
        V3_VECTOR_QUERY,
        V3_VECTOR_HEADERS,
        V3_VECTOR_HEADERS.keys(),
        signing.EMPTY_SHA256,
    )
    # The canonical headers end in a newline and another follows: an empty line.
    assert "x-acs-version:2014-05-26\n\naccept;host;" in canonical
    string_to_sign = signing.v3_string_to_sign(canonical)
    assert string_to_sign.startswith("ACS3-HMAC-SHA256\n")
    assert (
        signing.v3_signature("testsecret", string_to_sign)
        == "b8fecd41f33e4f70470e1806f68978e04d3b4e999fc210f7f9992ac7f0561d9f"
    )


def test_v3_empty_path_is_slash_and_header_values_are_trimmed() -> None:
    def canonical(method: str, path: str, headers: dict[str, str]) -> str:
        return signing.v3_canonical_request(
            method, path, V3_VECTOR_QUERY, headers, headers.keys(), signing.EMPTY_SHA256
        )

    padded = {**V3_VECTOR_HEADERS, "x-acs-action": "  DescribeInstances \t"}
    assert canonical("post", "", padded) == canonical("POST", "/", V3_VECTOR_HEADERS)


def test_empty_body_hash() -> None:
    assert signing.EMPTY_SHA256.startswith("e3b0c442") and signing.EMPTY_SHA256.endswith("b855")
    assert signing.sha256_hex(b"") == signing.EMPTY_SHA256


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("AZaz09", "AZaz09"),
        ("-_.~", "-_.~"),
        ("a b", "a%20b"),
        ("a+b", "a%2Bb"),
        ("*", "%2A"),
        ("/", "%2F"),
        ("=&", "%3D%26"),
        ("100%", "100%25"),
        ("é", "%C3%A9"),
        ("😀", "%F0%9F%98%80"),
        ("\n", "%0A"),
        ("", ""),
    ],
    ids=[
        "alnum",
        "unreserved",
        "space-is-%20",
        "plus",
        "star",
        "slash",
        "separators",
        "percent",
        "two-byte-utf8",
        "four-byte-utf8",
        "control",
        "empty",
    ],
)
def test_percent_encode(value: str, encoded: str) -> None:
    assert signing.percent_encode(value) == encoded


@pytest.mark.parametrize("value", AWKWARD_VALUES, ids=repr)
def test_v1_matches_aliyunsdkcore(value: str) -> None:
    params = {**V1_VECTOR_PARAMS, "Tag.1.Key": value, "Description": value}
    theirs = rpc_signature_composer.__compose_string_to_sign("POST", params)
    assert signing.rpc_string_to_sign("POST", params) == theirs


@pytest.mark.parametrize("value", AWKWARD_VALUES, ids=repr)
def test_v1_matches_tea(value: str) -> None:
    params = {**V1_VECTOR_PARAMS, "Tag.1.Key": value}
    ours = signing.rpc_signature("sec", signing.rpc_string_to_sign("GET", params))
    assert ours == TeaUtils.get_rpcsignature(params, "GET", "sec")


@pytest.mark.parametrize("value", AWKWARD_VALUES, ids=repr)
def test_v3_matches_tea(value: str) -> None:
    query = {**V3_VECTOR_QUERY, "Description": value}
    request = SimpleNamespace(
        method="POST", pathname="/", query=query, headers=dict(V3_VECTOR_HEADERS)
    )
    theirs = TeaUtils.get_authorization(
        request, "ACS3-HMAC-SHA256", signing.EMPTY_SHA256, "ak", "sec"
    )
    canonical = signing.v3_canonical_request(
        "POST", "/", query, V3_VECTOR_HEADERS, V3_VECTOR_HEADERS.keys(), signing.EMPTY_SHA256
    )
    ours = signing.v3_signature("sec", signing.v3_string_to_sign(canonical))
    assert theirs.endswith(f",Signature={ours}")
