"""The FaaS API (faas 2017-08-24) through aliyun-python-sdk-faas: builds, loads and every error
row of the guide's table that an API request can provoke."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import oss2
import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import RpcRequest
from aliyunsdkfaas.request.v20170824.CreateFpgaImageTaskRequest import (
    CreateFpgaImageTaskRequest,
)
from aliyunsdkfaas.request.v20170824.DeleteFpgaImageRequest import DeleteFpgaImageRequest
from aliyunsdkfaas.request.v20170824.DeletePublishFpgaImageRequest import (
    DeletePublishFpgaImageRequest,
)
from aliyunsdkfaas.request.v20170824.DescribeFpgaImagesRequest import DescribeFpgaImagesRequest
from aliyunsdkfaas.request.v20170824.DescribeFpgaInstancesRequest import (
    DescribeFpgaInstancesRequest,
)
from aliyunsdkfaas.request.v20170824.DescribeLoadTaskStatusRequest import (
    DescribeLoadTaskStatusRequest,
)
from aliyunsdkfaas.request.v20170824.DescribePublishFpgaImagesRequest import (
    DescribePublishFpgaImagesRequest,
)
from aliyunsdkfaas.request.v20170824.LoadFpgaImageTaskRequest import LoadFpgaImageTaskRequest
from aliyunsdkfaas.request.v20170824.PublishFpgaImageRequest import PublishFpgaImageRequest
from aliyunsdkfaas.request.v20170824.UpdateImageAttributeRequest import (
    UpdateImageAttributeRequest,
)
from aliyunsdkram.request.v20150501.AttachPolicyToRoleRequest import AttachPolicyToRoleRequest
from aliyunsdkram.request.v20150501.CreatePolicyRequest import CreatePolicyRequest
from aliyunsdkram.request.v20150501.CreateRoleRequest import CreateRoleRequest

from tests.api.faascmd_support import new_user, xilinx_design
from tests.support.clients import acs_client, tea_ecs
from tests.support.server import RunningServer
from tests.support.worlds import world_in

TRUST = json.dumps(
    {
        "Statement": [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": ["faas.aliyuncs.com"]},
            }
        ],
        "Version": "1",
    }
)


class Faas:
    """One new account with a bucket its faasRole may read, and a design uploaded there."""

    def __init__(self, server: RunningServer, home: Path) -> None:
        self.user = new_user(server, home)
        self.client: AcsClient = acs_client(server.endpoint, self.user.key)
        self.client.add_endpoint("cn-hangzhou", "Ram", server.endpoint)
        self.bucket = self.user.bucket()
        self.role = f"acs:ram::{self.user.account_id}:role/faasRole"
        resources = [f"acs:oss:*:*:{self.bucket}", f"acs:oss:*:*:{self.bucket}/*"]
        policy = {
            "Version": "1",
            "Statement": [{"Action": "oss:*", "Effect": "Allow", "Resource": resources}],
        }
        self.call(CreateRoleRequest(), RoleName="faasRole", AssumeRolePolicyDocument=TRUST)
        self.call(CreatePolicyRequest(), PolicyName="faasPolicy", PolicyDocument=json.dumps(policy))
        self.call(
            AttachPolicyToRoleRequest(),
            PolicyType="Custom",
            PolicyName="faasPolicy",
            RoleName="faasRole",
        )
        oss = oss2.Bucket(oss2.Auth(*self.user.key), server.url, self.bucket)
        oss.put_object_from_file("design.tar", str(xilinx_design(home / "design.tar")))
        oss.put_object("broken.tar", b"not a tar")
        self.oss = oss

    def call(self, request: RpcRequest, **params: Any) -> dict[str, Any]:
        request.set_protocol_type("http")
        for name, value in params.items():
            getattr(request, f"set_{name}")(value)
        body: dict[str, Any] = json.loads(self.client.do_action_with_exception(request))
        assert body["RequestId"]
        return body

    def refused(self, request: RpcRequest, **params: Any) -> tuple[str, int]:
        with pytest.raises(ServerException) as caught:
            self.call(request, **params)
        return caught.value.get_error_code(), caught.value.get_http_status()

    def create(self, **params: Any) -> dict[str, Any]:
        fields = {
            "Bucket": self.bucket,
            "Object": "design.tar",
            "FpgaType": "xilinx",
            "ShellUUID": "V1.0",
            "RoleArn": self.role,
            "Encrypted": "false",
        } | params
        return self.call(CreateFpgaImageTaskRequest(), **fields)

    def refused_create(self, **params: Any) -> tuple[str, int]:
        with pytest.raises(ServerException) as caught:
            self.create(**params)
        return caught.value.get_error_code(), caught.value.get_http_status()

    def images(self) -> list[dict[str, Any]]:
        return list(self.call(DescribeFpgaImagesRequest())["FpgaImages"]["fpgaImage"])

    def instance(self, instance_type: str = "ecs.f3-c4f1.xlarge") -> str:
        world = world_in(tea_ecs(self.user.server.endpoint, self.user.key), self.user.key)
        (instance_id,) = world.run(instance_type=instance_type)
        return instance_id

    def boards(self, instance_id: str) -> list[dict[str, Any]]:
        body = self.call(DescribeFpgaInstancesRequest(), InstanceId=instance_id)
        return list(body["Fpgas"]["fpga"])


def test_build_load_publish_delete(server: RunningServer, tmp_path: Path) -> None:
    faas = Faas(server, tmp_path)
    created = faas.create(Name="julia", Description="first image")
    uuid = created["FpgaImageUUID"]
    assert (created["State"], created["ShellUUID"], created["Encrypted"]) == (
        "queued",
        "V1.0",
        "false",
    )
    assert [i["State"] for i in faas.images()] == ["compiling"]
    (image,) = faas.images()
    assert {k: image[k] for k in ("FpgaImageUUID", "Name", "State", "FpgaType")} == {
        "FpgaImageUUID": uuid,
        "Name": "julia",
        "State": "success",
        "FpgaType": "xilinx",
    }
    instance_id = faas.instance()
    (board,) = faas.boards(instance_id)
    assert (board["ShellUUID"], board["TaskStatus"], board["FpgaImageUUID"]) == ("V1.0", "none", "")
    fpga = board["FpgaUUID"]
    load = {"InstanceId": instance_id, "FpgaUUID": fpga, "FpgaImageUUID": uuid}
    started = faas.call(LoadFpgaImageTaskRequest(), FpgaType="xilinx", FpgaImageType="afu", **load)
    assert started["TaskStatus"] == "operating"
    assert faas.refused(LoadFpgaImageTaskRequest(), **load) == ("ANOTHER TASK RUNNING", 503)
    status = faas.call(DescribeLoadTaskStatusRequest(), InstanceId=instance_id, FpgaUUID=fpga)
    assert (status["TaskStatus"], status["FpgaImageUUID"]) == ("valid", uuid)
    assert faas.boards(instance_id)[0]["FpgaImageUUID"] == uuid

    updated = faas.call(UpdateImageAttributeRequest(), FpgaImageUUID=uuid, Name="renamed")
    assert (updated["Name"], updated["Description"]) == ("renamed", "first image")
    faas.call(PublishFpgaImageRequest(), FpgaImageUUID=uuid, ImageID="m-fpga1")
    published = faas.call(DescribePublishFpgaImagesRequest(), ImageID="m-fpga1")
    assert [p["FpgaImageUUID"] for p in published["PublishFpgaImages"]["publishFpgaImage"]] == [
        uuid
    ]
    faas.call(DeletePublishFpgaImageRequest(), FpgaImageUUID=uuid, ImageID="m-fpga1")
    deleted = faas.call(DeleteFpgaImageRequest(), FpgaImageUUID=uuid)
    assert (deleted["Status"], deleted["FpgaImageUUID"]) == (200, uuid)
    assert faas.images() == []


def test_a_failed_build_writes_its_log(server: RunningServer, tmp_path: Path) -> None:
    faas = Faas(server, tmp_path)
    uuid = faas.create(Object="broken.tar")["FpgaImageUUID"]
    faas.images()
    assert faas.images()[0]["State"] == "failed"
    log = faas.oss.get_object(f"compiling_logs/{uuid}/vivado.log").read()
    assert b"not a tar archive" in log


def test_create_refusals(server: RunningServer, tmp_path: Path) -> None:
    faas = Faas(server, tmp_path)
    assert faas.refused_create(FpgaType="altera") == ("PARAMETER INVALIDATE", 400)
    assert faas.refused_create(Bucket="") == ("PARAMETER INVALIDATE", 400)
    assert faas.refused_create(ShellUUID="V9.9") == ("SHELL NOT SUPPORT", 404)
    assert faas.refused_create(RoleArn="") == ("RoleAccessError", 403)
    other_role = f"acs:ram::{faas.user.account_id}:role/nosuchrole"
    assert faas.refused_create(RoleArn=other_role) == ("EntityNotExist.RoleError", 404)
    assert faas.refused_create(Object="missing.tar") == ("OSS OBJECT NOT FOUND", 404)
    faas.create()
    assert faas.refused_create() == ("FREQUENCY ERROR", 503)
    # the refusals wrote nothing: one image
    assert len(faas.images()) == 1


def test_image_and_instance_refusals(server: RunningServer, tmp_path: Path) -> None:
    owner = Faas(server, tmp_path / "owner")
    theirs = owner.create(ShellUUID="V1.1")["FpgaImageUUID"]
    faas = Faas(server, tmp_path / "me")
    queued = faas.create()["FpgaImageUUID"]
    f3 = faas.instance()
    plain = faas.instance("ecs.g6.large")
    fpga = faas.boards(f3)[0]["FpgaUUID"]

    def load(image: str, instance: str = f3, board: str = fpga) -> tuple[str, int]:
        return faas.refused(
            LoadFpgaImageTaskRequest(), InstanceId=instance, FpgaUUID=board, FpgaImageUUID=image
        )

    assert load("xilinx-none") == ("IMAGE NOT FOUND", 404)
    assert load(theirs) == ("IMAGE ACCESS ERROR", 401)
    assert load(queued) == ("Image not in success state", 404)
    assert load(queued, board="nope") == ("FPGA NOT FOUND", 404)
    assert load(queued, instance=plain) == ("INSTANCE INVALIDATE", 404)
    foreign = owner.instance()
    assert load(queued, instance=foreign) == ("YOU HAVE NO ACCESS TO THIS INSTANCE", 401)
    assert faas.refused(DescribeFpgaInstancesRequest(), InstanceId=foreign) == (
        "NOT AUTHORIZED",
        401,
    )
    assert faas.refused(DescribeFpgaInstancesRequest(), InstanceId=plain) == (
        "INSTANCE INVALIDATE",
        404,
    )
    assert faas.refused(DescribeFpgaInstancesRequest(), InstanceId=f3, RoleArn=owner.role) == (
        "RoleAccessError",
        403,
    )
    assert faas.refused(DescribeLoadTaskStatusRequest(), InstanceId=f3, FpgaUUID="x") == (
        "FPGA NOT FOUND",
        404,
    )
    assert faas.refused(DescribeLoadTaskStatusRequest(), InstanceId="i-none", FpgaUUID="x") == (
        "NOT AUTHORIZED",
        401,
    )
    assert faas.refused(DeleteFpgaImageRequest(), FpgaImageUUID=theirs) == ("IMAGE NOT FOUND", 400)
    assert faas.refused(PublishFpgaImageRequest(), FpgaImageUUID=theirs, ImageID="m-1") == (
        "FPGA IMAGE NOT FOUND",
        404,
    )
    assert faas.refused(PublishFpgaImageRequest(), FpgaImageUUID=queued, ImageID="m-1") == (
        "FPGA IMAGE STATE ERROR",
        404,
    )
    # published, another account's image may be loaded, but its shell V1.1 is not the board's
    owner.images()
    owner.images()
    owner.call(PublishFpgaImageRequest(), FpgaImageUUID=theirs, ImageID="m-1")
    assert load(theirs) == ("SHELL NOT MATCH", 404)
