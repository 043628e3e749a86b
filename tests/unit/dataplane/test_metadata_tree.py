"""The metadata service's answers: listings, 404s, methods, and security-hardened tokens."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from ecsim.dataplane.metadata_tree import MAX_TOKEN_TTL, Reply, Tokens, answer
from ecsim.dataplane.plan import InstancePlan

METADATA = {
    "meta-data/instance-id": "i-one",
    "meta-data/region-id": "cn-hangzhou",
    "meta-data/instance/instance-type": "ecs.g6.large",
    "meta-data/network/interfaces/macs/00:16:3e:00:00:01/vpc-id": "vpc-1",
    "meta-data/network/interfaces/macs/00:16:3e:00:00:01/netmask": "255.255.255.0",
    "meta-data/public-keys/0/openssh-key": "ssh-rsa AAAA test",
    "user-data": "#!/bin/sh\necho hi",
    "dynamic/instance-identity/document": '{"instance-id":"i-one"}',
}


def _plan(
    instance_id: str = "i-one",
    *,
    metadata: Mapping[str, str] = METADATA,
    required: bool = False,
) -> InstancePlan:
    return InstancePlan(
        instance_id=instance_id,
        network_id="vpc-1",
        netns="ns",
        running=True,
        ports=(),
        hostname=instance_id,
        metadata=metadata,
        tokens_required=required,
    )


def _get(path: str, plan: InstancePlan | None = None, **headers: str) -> Reply:
    return answer(plan or _plan(), Tokens(), "GET", path, headers, 0.0)


def _text(reply: Reply) -> str:
    assert reply.status == 200, reply
    return reply.body.decode()


def test_a_leaf_is_its_text() -> None:
    reply = _get("/latest/meta-data/instance-id")
    assert (reply.status, reply.content_type, reply.body) == (200, "text/plain", b"i-one")


def test_the_version_root_lists_its_top_level() -> None:
    assert _text(_get("/latest/")) == "dynamic/\nmeta-data/\nuser-data"
    assert _text(_get("/latest")) == "dynamic/\nmeta-data/\nuser-data"


def test_meta_data_lists_with_and_without_the_slash() -> None:
    listing = "instance/\ninstance-id\nnetwork/\npublic-keys/\nregion-id"
    assert _text(_get("/latest/meta-data/")) == listing
    assert _text(_get("/latest/meta-data")) == listing


def test_nested_directories_list_their_children() -> None:
    macs = "/latest/meta-data/network/interfaces/macs/"
    assert _text(_get(macs)) == "00:16:3e:00:00:01/"
    assert _text(_get(macs + "00:16:3e:00:00:01/")) == "netmask\nvpc-id"
    assert _text(_get("/latest/meta-data/public-keys/")) == "0/"
    assert _text(_get("/latest/meta-data/public-keys/0/")) == "openssh-key"
    assert _text(_get("/latest/meta-data/public-keys/0/openssh-key")) == "ssh-rsa AAAA test"


def test_the_root_lists_the_versions_and_2016_01_01_serves_the_same_tree() -> None:
    assert _text(_get("/")) == "2016-01-01\nlatest"
    assert _text(_get("/2016-01-01/meta-data/instance-id")) == "i-one"


@pytest.mark.parametrize(
    "path",
    [
        "/latest/meta-data/nothing",
        "/latest/meta-data/instance-id/more",
        "/latest/meta-data/instance-i",
        "/latest/meta-data/../user-data",
        "/2009-04-04/meta-data/instance-id",
        "/latest/nothing/",
        "/favicon.ico",
        "latest/meta-data/",
        "*",
    ],
)
def test_unknown_paths_are_404(path: str) -> None:
    reply = _get(path)
    assert (reply.status, reply.body) == (404, b"404 - Not Found")


def test_query_strings_trailing_slashes_and_doubled_slashes_are_tolerated() -> None:
    assert _text(_get("/latest/meta-data/instance-id?x=1")) == "i-one"
    assert _text(_get("/latest/meta-data/instance-id/")) == "i-one"
    assert _text(_get("//latest//meta-data/instance-id")) == "i-one"
    assert _text(_get("/latest/meta%2Ddata/region-id")) == "cn-hangzhou"


def test_user_data_and_the_identity_document() -> None:
    assert _text(_get("/latest/user-data")) == "#!/bin/sh\necho hi"
    assert _text(_get("/latest/dynamic/instance-identity/")) == "document"
    assert _text(_get("/latest/dynamic/instance-identity/document")) == '{"instance-id":"i-one"}'


def test_binary_user_data_comes_back_byte_for_byte() -> None:
    raw = b"\x1f\x8b\x08\x00\xff\xfe binary"
    plan = _plan(metadata={"user-data": raw.decode("utf-8", "surrogateescape")})
    assert _get("/latest/user-data", plan).body == raw


def test_an_empty_tree_lists_nothing() -> None:
    assert _get("/latest/meta-data/", _plan(metadata={})).status == 404


@pytest.mark.parametrize("method", ["POST", "DELETE", "PATCH", "OPTIONS", "PUT"])
def test_only_get_and_head_read(method: str) -> None:
    reply = answer(_plan(), Tokens(), method, "/latest/meta-data/", {}, 0.0)
    assert reply.status == 405
    assert ("Allow", "GET, HEAD") in reply.headers


def test_head_is_answered_as_get() -> None:
    reply = answer(_plan(), Tokens(), "HEAD", "/latest/meta-data/instance-id", {}, 0.0)
    assert (reply.status, reply.body) == (200, b"i-one")


# --- tokens --------------------------------------------------------------------------------


def _put_token(
    tokens: Tokens, ttl: str | None, now: float = 0.0, more: Mapping[str, str] | None = None
) -> Reply:
    headers = dict(more or {})
    if ttl is not None:
        headers["X-aliyun-ecs-metadata-token-ttl-seconds"] = ttl
    return answer(_plan(), tokens, "PUT", "/latest/api/token", headers, now)


def test_a_token_is_issued_with_its_ttl() -> None:
    tokens = Tokens()
    reply = _put_token(tokens, "21600")
    assert reply.status == 200
    assert len(reply.body) >= 32
    assert ("x-aliyun-ecs-metadata-token-ttl-seconds", "21600") in reply.headers
    assert tokens.validate(reply.body.decode(), "i-one", 100.0)


def test_tokens_are_unique() -> None:
    tokens = Tokens()
    issued = {_put_token(tokens, "60").body for _ in range(50)}
    assert len(issued) == 50


@pytest.mark.parametrize(
    "ttl", [None, "", "0", "21601", "-1", "abc", "1.5", "+5", "99999999999", "６０", "1 2"]
)
def test_bad_ttls_are_400(ttl: str | None) -> None:
    tokens = Tokens()
    reply = _put_token(tokens, ttl)
    assert (reply.status, reply.body) == (400, b"400 - Missing or Invalid Parameters")
    assert len(tokens) == 0


@pytest.mark.parametrize("ttl", ["1", str(MAX_TOKEN_TTL), " 60 "])
def test_ttl_bounds_are_inclusive(ttl: str) -> None:
    assert _put_token(Tokens(), ttl).status == 200


def test_a_forwarded_put_is_refused() -> None:
    tokens = Tokens()
    reply = _put_token(tokens, "60", more={"X-Forwarded-For": "203.0.113.9"})
    assert (reply.status, reply.body) == (403, b"403 - Forbidden")
    assert len(tokens) == 0


def test_the_token_path_takes_only_put() -> None:
    reply = answer(_plan(), Tokens(), "GET", "/latest/api/token", {}, 0.0)
    assert reply.status == 405
    assert ("Allow", "PUT") in reply.headers


def _get_with(tokens: Tokens, plan: InstancePlan, token: str | None, now: float) -> Reply:
    headers = {} if token is None else {"X-Aliyun-Ecs-Metadata-Token": token}
    return answer(plan, tokens, "GET", "/latest/meta-data/instance-id", headers, now)


def test_required_mode_needs_a_live_token_of_the_same_instance() -> None:
    tokens = Tokens()
    required = _plan(required=True)
    token = _put_token(tokens, "10", now=100.0).body.decode()
    assert _get_with(tokens, required, None, 100.0).status == 401
    assert _get_with(tokens, required, token, 105.0).body == b"i-one"
    assert _get_with(tokens, required, "garbage", 105.0).status == 401
    other = _plan("i-two", required=True)
    assert _get_with(tokens, other, token, 105.0).status == 401
    # expired at issue time + TTL, and gone for good after
    assert _get_with(tokens, required, token, 110.0).status == 401
    assert _get_with(tokens, required, token, 105.0).status == 401


def test_optional_mode_reads_without_a_token_but_refuses_a_bad_one() -> None:
    tokens = Tokens()
    plan = _plan()
    assert _get_with(tokens, plan, None, 0.0).status == 200
    assert _get_with(tokens, plan, "not-a-token", 0.0).status == 401
    token = _put_token(tokens, "60").body.decode()
    assert _get_with(tokens, plan, token, 1.0).status == 200


def test_required_mode_guards_listings_too() -> None:
    reply = answer(_plan(required=True), Tokens(), "GET", "/latest/meta-data/", {}, 0.0)
    assert (reply.status, reply.body) == (401, b"401 - Unauthorized")


def test_tokens_table_evicts_an_instances_oldest_and_prunes_expired() -> None:
    tokens = Tokens(per_instance=3)
    first = tokens.issue("i-one", 60, 0.0)
    later = [tokens.issue("i-one", 60, 0.0) for _ in range(3)]
    other = tokens.issue("i-two", 5, 0.0)
    assert len(tokens) == 4
    assert not tokens.validate(first, "i-one", 1.0)
    assert all(tokens.validate(token, "i-one", 1.0) for token in later)
    tokens.prune(10.0)
    assert len(tokens) == 3
    assert not tokens.validate(other, "i-two", 1.0)
    tokens.forget("i-one")
    assert len(tokens) == 0


def test_tokens_refuse_ttls_out_of_range() -> None:
    with pytest.raises(ValueError):
        Tokens().issue("i-one", 0, 0.0)
    with pytest.raises(ValueError):
        Tokens().issue("i-one", MAX_TOKEN_TTL + 1, 0.0)


def test_expired_tokens_of_quiet_instances_are_swept_by_later_issues() -> None:
    tokens = Tokens()
    tokens.issue("i-quiet", 5, 0.0)
    tokens.issue("i-busy", 600, 1.0)
    assert len(tokens) == 2
    tokens.issue("i-busy", 600, 61.0)
    assert len(tokens) == 2  # i-quiet's token went, i-busy holds two
