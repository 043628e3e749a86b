"""Key pairs through the official SDKs (tea V3, tea v2, aliyunsdkecs): real keys, imports,
filters, deletion, and attaching to instances launched with RunInstances; one fresh account
per test."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526.AttachKeyPairRequest import AttachKeyPairRequest
from aliyunsdkecs.request.v20140526.CreateKeyPairRequest import CreateKeyPairRequest
from aliyunsdkecs.request.v20140526.DeleteKeyPairsRequest import DeleteKeyPairsRequest
from aliyunsdkecs.request.v20140526.DescribeKeyPairsRequest import DescribeKeyPairsRequest
from aliyunsdkecs.request.v20140526.ImportKeyPairRequest import ImportKeyPairRequest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from tests.contract.meta import load_apis
from tests.support.clients import acs_client, assert_refused, tea_ecs
from tests.support.response_shapes import undocumented
from tests.support.server import RunningServer
from tests.support.worlds import IMAGE, REGION, WINDOWS_IMAGE, new_key, new_world, world_in


@pytest.fixture
def key(server: RunningServer) -> tuple[str, str]:
    """A fresh account: no key pairs, no instances."""
    return new_key(server)


@pytest.fixture
def client(server: RunningServer, key: tuple[str, str]) -> EcsClient:
    return tea_ecs(server.endpoint, key)


def _fingerprint(openssh: str) -> str:
    digest = hashlib.md5(base64.b64decode(openssh.split()[1]), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def _openssh_of(private: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    public = private.public_key()
    raw = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return raw.decode()


def _create(client: EcsClient, name: str, **fields: Any) -> ecs_models.CreateKeyPairResponseBody:
    request = ecs_models.CreateKeyPairRequest(region_id=REGION, key_pair_name=name, **fields)
    return client.create_key_pair(request).body


def _import(client: EcsClient, name: str, public_key: str | None = None) -> str:
    line = public_key or _openssh_of(ed25519.Ed25519PrivateKey.generate())
    request = ecs_models.ImportKeyPairRequest(
        region_id=REGION, key_pair_name=name, public_key_body=line
    )
    return str(client.import_key_pair(request).body.key_pair_finger_print)


def _describe(
    client: EcsClient, **fields: Any
) -> list[ecs_models.DescribeKeyPairsResponseBodyKeyPairsKeyPair]:
    request = ecs_models.DescribeKeyPairsRequest(region_id=REGION, page_size=50, **fields)
    return list(client.describe_key_pairs(request).body.key_pairs.key_pair)


def _names(client: EcsClient, **fields: Any) -> list[str]:
    return [str(item.key_pair_name) for item in _describe(client, **fields)]


def _key_of(client: EcsClient, instance_id: str) -> str:
    request = ecs_models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps([instance_id])
    )
    (instance,) = client.describe_instances(request).body.instances.instance
    return str(instance.key_pair_name or "")


# -- create and import ---------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_create_returns_a_real_private_key(
    server: RunningServer, key: tuple[str, str], signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    name = f"packer_{uuid.uuid4()}"
    created = _create(client, name)
    assert created.key_pair_name == name and created.key_pair_id.startswith("kp-")
    assert created.private_key_body.startswith("-----BEGIN RSA PRIVATE KEY-----\n")
    private = serialization.load_pem_private_key(created.private_key_body.encode(), None)
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size == 2048
    openssh = _openssh_of(private)
    assert created.key_pair_finger_print == _fingerprint(openssh)
    (item,) = _describe(client, key_pair_name=name, include_public_key=True)
    assert item.key_pair_finger_print == created.key_pair_finger_print
    assert item.public_key == openssh
    assert len(item.creation_time) == len("2023-09-04T08:33Z")
    # without IncludePublicKey the public key stays out
    (item,) = _describe(client, key_pair_name=name)
    assert item.public_key is None


def test_import_takes_openssh_and_pem_keys(client: EcsClient) -> None:
    ed_line = _openssh_of(ed25519.Ed25519PrivateKey.generate())
    assert _import(client, "laptop", f"{ed_line} me@laptop") == _fingerprint(ed_line)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        rsa_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    assert _import(client, "from-pem", pem) == _fingerprint(_openssh_of(rsa_key))
    keys = {
        str(item.key_pair_name): item.public_key
        for item in _describe(client, include_public_key=True)
    }
    assert keys == {"laptop": f"{ed_line} me@laptop", "from-pem": _openssh_of(rsa_key)}


def test_the_old_sdk_and_the_documented_response_keys(
    server: RunningServer, key: tuple[str, str], api_meta_dir: Path
) -> None:
    apis = load_apis(api_meta_dir, "2014-05-26")
    client = acs_client(server.endpoint, key)
    create = CreateKeyPairRequest()
    create.set_KeyPairName("old-sdk")
    create.set_Tags([{"Key": "team", "Value": "infra"}])
    body = json.loads(client.do_action_with_exception(create))
    assert body["PrivateKeyBody"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert undocumented(body, apis["CreateKeyPair"].response) == []
    imported = ImportKeyPairRequest()
    imported.set_KeyPairName("old-sdk-import")
    imported.set_PublicKeyBody(_openssh_of(ed25519.Ed25519PrivateKey.generate()))
    body = json.loads(client.do_action_with_exception(imported))
    assert undocumented(body, apis["ImportKeyPair"].response) == []
    describe = DescribeKeyPairsRequest()
    describe.set_IncludePublicKey(True)
    body = json.loads(client.do_action_with_exception(describe))
    assert body["TotalCount"] == 2
    assert undocumented(body, apis["DescribeKeyPairs"].response) == []
    tagged = next(k for k in body["KeyPairs"]["KeyPair"] if k["KeyPairName"] == "old-sdk")
    assert tagged["Tags"]["Tag"] == [{"TagKey": "team", "TagValue": "infra"}]
    attach = AttachKeyPairRequest()
    attach.set_KeyPairName("old-sdk")
    attach.set_InstanceIds(json.dumps(["i-nothere"]))
    body = json.loads(client.do_action_with_exception(attach))
    assert undocumented(body, apis["AttachKeyPair"].response) == []
    delete = DeleteKeyPairsRequest()
    delete.set_KeyPairNames(json.dumps(["old-sdk", "old-sdk-import"]))
    client.do_action_with_exception(delete)
    assert json.loads(client.do_action_with_exception(DescribeKeyPairsRequest()))["TotalCount"] == 0


# -- describe ------------------------------------------------------------------------------------


def test_describe_filters_and_paging(client: EcsClient) -> None:
    tag = ecs_models.CreateKeyPairRequestTag(key="env", value="prod")
    _create(client, "web-SshKey", tag=[tag])
    printed = _import(client, "SshKey-db")
    for n in range(3):
        _import(client, f"bulk-{n}")
    assert _names(client, key_pair_name="*SshKey*") == ["web-SshKey", "SshKey-db"]
    assert _names(client, key_pair_name="SshKey*") == ["SshKey-db"]
    assert _names(client, key_pair_name="SshKey") == []
    assert _names(client, key_pair_finger_print=printed) == ["SshKey-db"]
    wanted = ecs_models.DescribeKeyPairsRequestTag(key="env", value="prod")
    assert _names(client, tag=[wanted]) == ["web-SshKey"]
    (tagged,) = _describe(client, key_pair_name="web-SshKey")
    assert [(t.tag_key, t.tag_value) for t in tagged.tags.tag] == [("env", "prod")]
    request = ecs_models.DescribeKeyPairsRequest(region_id=REGION, page_number=2, page_size=2)
    body = client.describe_key_pairs(request).body
    assert (body.total_count, body.page_number, body.page_size) == (5, 2, 2)
    assert [item.key_pair_name for item in body.key_pairs.key_pair] == ["bulk-0", "bulk-1"]
    request = ecs_models.DescribeKeyPairsRequest(region_id=REGION, page_size=100)
    assert client.describe_key_pairs(request).body.page_size == 50
    # key pairs live in their region
    other_region = ecs_models.DescribeKeyPairsRequest(region_id="cn-beijing")
    assert client.describe_key_pairs(other_region).body.total_count == 0


# -- refusals ------------------------------------------------------------------------------------


def test_create_and_import_refusals_write_nothing(client: EcsClient) -> None:
    _create(client, "taken")
    assert_refused(lambda: _create(client, "taken"), "KeyPair.AlreadyExist", 400)
    assert_refused(lambda: _import(client, "taken"), "KeyPair.AlreadyExist", 400)
    for bad in ("x", "1st-key", "key.pem", "a" * 129):
        assert_refused(lambda bad=bad: _create(client, bad), "InvalidKeyPairName.Malformed", 400)
    assert_refused(
        lambda: _import(client, "bad-key", "ssh-rsa AAAA"), "InvalidPublicKeyBody.Malformed", 400
    )
    private_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=1024)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        .decode()
    )
    assert_refused(
        lambda: _import(client, "private", private_pem), "InvalidPublicKeyBody.Malformed", 400
    )
    no_body = ecs_models.ImportKeyPairRequest(region_id=REGION, key_pair_name="nobody")
    assert_refused(lambda: client.import_key_pair(no_body), "MissingParameter", 400)
    bad_tag = ecs_models.CreateKeyPairRequestTag(key="aliyun:reserved", value="x")
    assert_refused(lambda: _create(client, "tagged", tag=[bad_tag]), "InvalidTagKey.Malformed", 400)
    assert _names(client) == ["taken"]


def test_delete_ignores_unknown_names_and_refuses_malformed_lists(client: EcsClient) -> None:
    _create(client, "one")
    _import(client, "two")

    def delete(names: str) -> object:
        request = ecs_models.DeleteKeyPairsRequest(region_id=REGION, key_pair_names=names)
        return client.delete_key_pairs(request)

    for malformed in ("one", '["one"', "[]", '[["one"]]'):
        assert_refused(lambda m=malformed: delete(m), "InvalidKeyPairNames.ValueNotSupported", 400)
    assert_refused(
        lambda: delete(json.dumps([f"k{n}" for n in range(101)])),
        "InstanceKeyPairLimitExceeded",
        403,
    )
    missing = ecs_models.DeleteKeyPairsRequest(region_id=REGION)
    assert_refused(lambda: client.delete_key_pairs(missing), "MissingParameter", 400)
    delete('["one", "never-was"]')
    assert _names(client) == ["two"]


def test_attach_and_detach_refusals(client: EcsClient) -> None:
    _import(client, "kp")

    def attach(name: str, ids: str) -> object:
        request = ecs_models.AttachKeyPairRequest(
            region_id=REGION, key_pair_name=name, instance_ids=ids
        )
        return client.attach_key_pair(request)

    def detach(name: str, ids: str) -> object:
        request = ecs_models.DetachKeyPairRequest(
            region_id=REGION, key_pair_name=name, instance_ids=ids
        )
        return client.detach_key_pair(request)

    for call in (attach, detach):
        assert_refused(lambda c=call: c("missing", '["i-1"]'), "InvalidKeyPairName.NotFound", 400)
        assert_refused(lambda c=call: c("kp", "i-1"), "InvalidInstanceIds.ValueNotSupported", 400)
        assert_refused(lambda c=call: c("kp", "[]"), "InvalidInstanceIds.ValueNotSupported", 400)
        many = json.dumps([f"i-{n}" for n in range(51)])
        assert_refused(lambda c=call, m=many: c("kp", m), "InstanceKeyPairLimitExceeded", 403)


def test_the_old_sdk_gets_attach_refusals(server: RunningServer, key: tuple[str, str]) -> None:
    request = AttachKeyPairRequest()
    request.set_KeyPairName("missing")
    request.set_InstanceIds('["i-1"]')
    with pytest.raises(ServerException) as refused:
        acs_client(server.endpoint, key).do_action_with_exception(request)
    assert refused.value.get_error_code() == "InvalidKeyPairName.NotFound"
    assert refused.value.get_http_status() == 400


# -- with instances ------------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["v3", "v2"])
def test_packers_key_pair_steps(
    server: RunningServer, key: tuple[str, str], signature: str
) -> None:
    client = tea_ecs(server.endpoint, key, signature=signature)
    (instance_id,) = world_in(client, key).run(image_id=IMAGE)
    name = f"packer_{uuid.uuid4()}"
    _create(client, name)
    ids = json.dumps([instance_id])
    attach = ecs_models.AttachKeyPairRequest(region_id=REGION, key_pair_name=name, instance_ids=ids)
    body = client.attach_key_pair(attach).body
    assert (body.total_count, body.fail_count, body.key_pair_name) == ("1", "0", name)
    (result,) = body.results.result
    assert (result.instance_id, result.success, result.code, result.message) == (
        instance_id,
        "true",
        "200",
        "successful",
    )
    assert _key_of(client, instance_id) == name
    # attached: it cannot be deleted, and nothing is
    names = ecs_models.DeleteKeyPairsRequest(region_id=REGION, key_pair_names=json.dumps([name]))
    assert_refused(
        lambda: client.delete_key_pairs(names),
        "InvalidParameter.KeypairAlreadyAttachedInstance",
        400,
    )
    detach = ecs_models.DetachKeyPairRequest(region_id=REGION, key_pair_name=name, instance_ids=ids)
    assert client.detach_key_pair(detach).body.fail_count == "0"
    assert _key_of(client, instance_id) == ""
    client.delete_key_pairs(names)
    assert _names(client) == []


def test_attach_answers_per_instance(
    server: RunningServer, key: tuple[str, str], client: EcsClient
) -> None:
    first, second = world_in(client, key).run(2, image_id=IMAGE)
    # another account's instance is as unknown as one that never existed
    other = new_world(server)
    other_client = other.client
    (theirs,) = other.run(image_id=IMAGE)
    _import(client, "kp")
    request = ecs_models.AttachKeyPairRequest(
        region_id=REGION,
        key_pair_name="kp",
        instance_ids=json.dumps([first, "i-nothere", theirs, second]),
    )
    body = client.attach_key_pair(request).body
    assert (body.total_count, body.fail_count) == ("4", "2")
    outcome = {r.instance_id: (r.success, r.code) for r in body.results.result}
    assert outcome == {
        first: ("true", "200"),
        "i-nothere": ("false", "InvalidInstanceId.NotFound"),
        theirs: ("false", "InvalidInstanceId.NotFound"),
        second: ("true", "200"),
    }
    assert _key_of(client, first) == _key_of(client, second) == "kp"
    assert _key_of(other_client, theirs) == ""


def test_windows_instances_take_no_key_pair(key: tuple[str, str], client: EcsClient) -> None:
    world = world_in(client, key)
    (linux,) = world.run(image_id=IMAGE)
    (windows,) = world.run(image_id=WINDOWS_IMAGE)
    _import(client, "kp")
    for call, request_type in (
        (client.attach_key_pair, ecs_models.AttachKeyPairRequest),
        (client.detach_key_pair, ecs_models.DetachKeyPairRequest),
    ):
        request = request_type(
            region_id=REGION, key_pair_name="kp", instance_ids=json.dumps([linux, windows])
        )
        assert_refused(lambda c=call, r=request: c(r), "DependencyViolation.WindowsInstance", 403)
    # the whole call failed: the Linux instance did not get the key either
    assert _key_of(client, linux) == ""
