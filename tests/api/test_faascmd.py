"""The guide's §8 session with the real ``faascmd`` against ecsim, start to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alibabacloud_ecs20140526 import models as ecs_models

from tests.api.faascmd_support import User, new_user, xilinx_design
from tests.support.clients import tea_ecs
from tests.support.server import RunningServer
from tests.support.worlds import world_in

F3_TYPE = "ecs.f3-c4f1.xlarge"


def _images(user: User) -> list[dict[str, Any]]:
    listed = user.ok("list_images").json()
    images: list[dict[str, Any]] = listed["FpgaImages"]["fpgaImage"]
    return images


def _built(user: User, image_uuid: str) -> dict[str, Any]:
    """The image once its build is over: each listing moves a build one step."""
    for _ in range(5):
        (image,) = [i for i in _images(user) if i["FpgaImageUUID"] == image_uuid]
        if image["State"] in ("success", "failed"):
            return image
    raise AssertionError(f"{image_uuid} never finished building")


def _f3_instance(user: User) -> str:
    world = world_in(tea_ecs(user.server.endpoint, user.key), user.key)
    (instance_id,) = world.run(instance_type=F3_TYPE)
    return instance_id


def test_guide_session(server: RunningServer, tmp_path: Path) -> None:
    user = new_user(server, tmp_path / "home")
    result = user.ok(
        "config", f"--id={user.key[0]}", f"--key={user.key[1]}", f"--endpoint={server.url}"
    )
    assert result.stdout == f"Your configuration is saved into {user.home}/.faascredentials .\n"
    bucket = user.bucket()

    user.ok("auth", f"--bucket={bucket}")
    role = f"acs:ram::{user.account_id}:role/faasRole"
    assert f"[Role]\nrole = {role}\n" in user.credentials()
    assert f"[OSS]\nbucket = {bucket}\n" in user.credentials()
    # a second auth changes nothing and still succeeds
    user.ok("auth", f"--bucket={bucket}")

    policy = user.ok("list_policy").stdout
    first, document = policy.split("\n", 1)
    assert first.startswith("VersionId : ") and "IsDefaultVersion : True" in first
    assert (
        f"acs:oss:*:*:{bucket}/compiling_logs/*" in json.loads(document)["Statement"][1]["Resource"]
    )

    design = xilinx_design(tmp_path / "julia_test.tar")
    uploaded = user.ok("upload_object", "--object=juliaOSSFile1", f"--file={design}")
    assert uploaded.stdout == f"juliaOSSFile1\n{design}\n"
    assert user.ok("list_objects").stdout.split() == ["compiling_logs/", "juliaOSSFile1"]
    fetched = user.ok("get_object", "--obejct=juliaOSSFile1", "--file=copy.tar")
    assert fetched.stdout == "juliaOSSFile1\ncopy.tar\n"
    assert (user.home / "copy.tar").read_bytes() == design.read_bytes()

    created = user.ok(
        "create_image",
        "--object=juliaOSSFile1",
        "--fpgatype=xilinx",
        "--encrypted=false",
        "--shell=V1.0",
        "--description=demo",
    ).json()
    image_uuid = created["FpgaImageUUID"]
    assert created["ShellUUID"] == "V1.0" and created["Name"] == "None"
    assert created["State"] == "queued"

    image = _built(user, image_uuid)
    assert image["State"] == "success", image
    assert (image["Description"], image["Encrypted"], image["Tags"]) == ("demo", "false", "None")
    for field in ("CreateTime", "UpdateTime", "Name", "ShellUUID"):
        assert field in image

    instance_id = _f3_instance(user)
    described = user.ok("list_instances", f"--instanceId={instance_id}").json()
    assert described["InstanceId"] == instance_id
    (board, *_) = described["Fpgas"]["fpga"]
    fpga_uuid = board["FpgaUUID"]
    assert board["ShellUUID"] == "V1.0" and board["FpgaType"] == "xilinx"

    loading = user.ok(
        "download_image",
        f"--instanceId={instance_id}",
        f"--fpgauuid={fpga_uuid}",
        "--fpgatype=xilinx",
        f"--imageuuid={image_uuid}",
        "--imagetype=afu",
        "--shell=V1.0",
    ).json()
    assert loading["FpgaImageUUID"] == image_uuid and loading["TaskStatus"] == "operating"
    again = user.faascmd(
        "download_image",
        f"--instanceId={instance_id}",
        f"--fpgauuid={fpga_uuid}",
        f"--imageuuid={image_uuid}",
    )
    assert again.code == 1
    assert again.stderr.startswith("HTTP Status:503 Error:ANOTHER TASK RUNNING"), again.stderr
    status = user.ok("fpga_status", f"--fpgauuid={fpga_uuid}", f"--instanceId={instance_id}")
    assert status.json()["TaskStatus"] == "valid"
    assert status.json()["FpgaImageUUID"] == image_uuid

    ecs_image = _instance_image(user, instance_id)
    published = user.ok("publish_image", f"--imageuuid={image_uuid}", f"--imageid={ecs_image}")
    assert published.json() == {"FpgaImageUUID": image_uuid, "ImageID": ecs_image}

    deleted = user.ok("delete_image", f"--imageuuid={image_uuid}")
    assert deleted.json() == {"Status": 200, "FpgaImageUUID": image_uuid}
    assert image_uuid not in [i["FpgaImageUUID"] for i in _images(user)]

    removed = user.ok("delete_policy")
    assert removed.stdout == (
        "Detach faasPolicy from faasRole successfully!!!\nDelete the faasPolicy successfully!!!\n"
    )


def _instance_image(user: User, instance_id: str) -> str:
    client = tea_ecs(user.server.endpoint, user.key)
    request = ecs_models.DescribeInstanceAttributeRequest(instance_id=instance_id)
    return str(client.describe_instance_attribute(request).body.image_id)


def test_a_failed_build_leaves_a_vivado_log(server: RunningServer, tmp_path: Path) -> None:
    user = new_user(server, tmp_path / "home")
    user.configure()
    bucket = user.bucket()
    user.ok("auth", f"--bucket={bucket}")
    design = xilinx_design(tmp_path / "empty.tar", with_checkpoint=False)
    user.ok("upload_object", "--object=empty.tar", f"--file={design}")
    image_uuid = user.ok(
        "create_image",
        "--object=empty.tar",
        "--fpgatype=xilinx",
        "--encrypted=false",
        "--shell=V1.0",
    ).json()["FpgaImageUUID"]
    assert _built(user, image_uuid)["State"] == "failed"

    # the FAQ: faascmd list_objects | grep vivado, then get_object
    (log,) = [k for k in user.ok("list_objects").stdout.split() if "vivado" in k]
    assert log.startswith("compiling_logs/")
    user.ok("get_object", f"--obejct={log}", f"--file={tmp_path}")
    assert "design checkpoint (.dcp)" in (tmp_path / "vivado.log").read_text()
