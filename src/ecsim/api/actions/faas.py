"""FAAS product actions (faas 2017-08-24, the requests of aliyun-python-sdk-faas 2.7.x).

Every answer is JSON with a top-level RequestId. Times are written the way the guide prints
them: "Fri Nov 09 2018 11:42:47 GMT+0000 (UTC)". Encrypted is the string "true"/"false".
Absent Name/Description/Tags come back as "" (faascmd may print them as it likes).

An image (called IMAGE below) is:
    {FpgaImageUUID, Name, Description, ShellUUID, FpgaType ("intel"|"xilinx"),
     Encrypted, State ("queued"|"compiling"|"success"|"failed"), Tags, CreateTime,
     UpdateTime, Object}
A board (called BOARD below) is:
    {FpgaUUID, ShellUUID, FpgaType, FpgaImageUUID ("" when nothing is loaded),
     TaskStatus ("none"|"operating"|"valid"), DeviceBDF}

CreateFpgaImageTask  Bucket*, Object*, FpgaType* (intel|xilinx), ShellUUID*, RoleArn*,
                     Encrypted (true|false), KeyId (required when Encrypted=true), Name,
                     Description, Tags, Email
                     -> {RequestId, **IMAGE}  (State "queued")
DescribeFpgaImages   callerUid (ignored: the caller is the signing account)
                     -> {RequestId, FpgaImages: {fpgaImage: [IMAGE, ...]}}
DeleteFpgaImage      FpgaImageUUID*  -> {RequestId, Status: 200, FpgaImageUUID}
UpdateImageAttribute FpgaImageUUID*, Name, Description, Tags -> {RequestId, **IMAGE}
DescribeFpgaInstances InstanceId*, RoleArn
                     -> {RequestId, InstanceId, InstanceType, FpgaType,
                         Fpgas: {fpga: [BOARD, ...]}}
LoadFpgaImageTask    InstanceId*, FpgaUUID*, FpgaImageUUID*, FpgaType, ShellUUID,
                     FpgaImageType (afu), RoleArn, OwnerAlias, Object
                     -> {RequestId, InstanceId, **BOARD}  (TaskStatus "operating")
DescribeLoadTaskStatus InstanceId*, FpgaUUID*, RoleArn
                     -> {RequestId, InstanceId, **BOARD}
PublishFpgaImage     FpgaImageUUID*, ImageID*  -> {RequestId, FpgaImageUUID, ImageID}
DescribePublishFpgaImages ImageID
                     -> {RequestId, PublishFpgaImages: {publishFpgaImage:
                         [{FpgaImageUUID, ImageID, Name, ShellUUID, FpgaType, CreateTime}]}}
DeletePublishFpgaImage FpgaImageUUID*, ImageID*  -> {RequestId, FpgaImageUUID, ImageID}

(* required.) Progress is driven by observation, so it is visible without waiting: a new
image is "queued"; each DescribeFpgaImages moves it one step (queued -> compiling ->
success|failed); a failed build leaves compiling_logs/<FpgaImageUUID>/vivado.log
(Intel: quartus.log) in the bucket. Designs are checked as control/fpga_design.py says
(Intel: a .gbs with its GBS header; Xilinx: a tar holding a .dcp zip). A load is
"operating" until the next DescribeLoadTaskStatus or DescribeFpgaInstances sees it (then
"valid"), or until fpga_load_timeout_seconds pass.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ecsim.api.context import RequestContext
from ecsim.api.params import Boolean, String
from ecsim.api.products import FAAS
from ecsim.api.registry import ActionGroup
from ecsim.control.fpga import ImageRequest
from ecsim.control.fpga_errors import parameter_invalidate
from ecsim.control.ram_errors import RoleAccessError
from ecsim.model.fpga import Board, FpgaImage, FpgaType
from ecsim.services import Services

__all__ = ["actions"]

actions = ActionGroup(FAAS)

_TEXT = ("Name", "Description", "Tags")


def _required(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if not params.get(name):
            raise parameter_invalidate(name)


def _time(value: datetime) -> str:
    # the form the guide prints: "Fri Nov 09 2018 11:42:47 GMT+0800 (CST)"
    return value.astimezone(UTC).strftime("%a %b %d %Y %H:%M:%S GMT+0000 (UTC)")


def _image(image: FpgaImage) -> dict[str, Any]:
    return {
        "FpgaImageUUID": image.image_uuid,
        "Name": image.name,
        "Description": image.description,
        "ShellUUID": image.shell_uuid,
        "FpgaType": image.fpga_type.value,
        "Encrypted": "true" if image.encrypted else "false",
        "State": image.state.value,
        "Tags": image.tags,
        "CreateTime": _time(image.created_at),
        "UpdateTime": _time(image.updated_at),
        "Object": image.object_name,
    }


def _board(board: Board) -> dict[str, Any]:
    return {
        "FpgaUUID": board.fpga_uuid,
        "ShellUUID": board.shell_uuid,
        "FpgaType": board.fpga_type.value,
        "FpgaImageUUID": board.image_uuid,
        "TaskStatus": board.status.value,
        "DeviceBDF": board.device_bdf,
    }


_FPGA_TYPE = String("FpgaType", enum=("intel", "xilinx"), code="PARAMETER INVALIDATE")
_ENCRYPTED = Boolean("Encrypted", default=False, code="PARAMETER INVALIDATE")


@actions.action(
    "CreateFpgaImageTask",
    params=(
        String("Bucket"),
        String("Object"),
        _FPGA_TYPE,
        String("ShellUUID"),
        String("RoleArn"),
        _ENCRYPTED,
        String("KeyId"),
        String("Name"),
        String("Description"),
        String("Tags"),
        String("Email"),
    ),
    mutating=True,
)
def create_fpga_image_task(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _required(params, "Bucket", "Object", "FpgaType", "ShellUUID")
    request = ImageRequest(
        bucket=params["Bucket"],
        object_name=params["Object"],
        fpga_type=FpgaType(params["FpgaType"]),
        shell_uuid=params["ShellUUID"],
        # an empty RoleArn is the RAM check's RoleAccessError, as the guide's table says
        role_arn=params.get("RoleArn") or "",
        encrypted=bool(params["Encrypted"]),
        key_id=params.get("KeyId") or "",
        **{name.lower(): params.get(name) or "" for name in _TEXT},
    )
    return _image(services.fpga.create_image(ctx.account_id, request))


@actions.action("DescribeFpgaImages", params=(String("callerUid"),), mutating=True)
def describe_fpga_images(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    images = services.fpga.images(ctx.account_id)
    return {"FpgaImages": {"fpgaImage": [_image(image) for image in images]}}


@actions.action(
    "DeleteFpgaImage", params=(String("FpgaImageUUID"), String("callerUid")), mutating=True
)
def delete_fpga_image(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _required(params, "FpgaImageUUID")
    image = services.fpga.delete_image(ctx.account_id, params["FpgaImageUUID"])
    return {"Status": 200, "FpgaImageUUID": image.image_uuid}


@actions.action(
    "UpdateImageAttribute",
    params=(
        String("FpgaImageUUID"),
        String("Name"),
        String("Description"),
        String("Tags"),
        String("callerUid"),
    ),
    mutating=True,
)
def update_image_attribute(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _required(params, "FpgaImageUUID")
    image = services.fpga.update_image(
        ctx.account_id,
        params["FpgaImageUUID"],
        name=params.get("Name"),
        description=params.get("Description"),
        tags=params.get("Tags"),
    )
    return _image(image)


@actions.action(
    "DescribeFpgaInstances",
    params=(String("InstanceId"), String("RoleArn"), String("SecurityToken")),
    mutating=True,
)
def describe_fpga_instances(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _required(params, "InstanceId")
    _check_role(ctx, params)
    instance, boards = services.fpga.instance_boards(
        ctx.account_id, params["InstanceId"], services.catalog
    )
    return {
        "InstanceId": instance.instance_id,
        "InstanceType": instance.instance_type,
        "FpgaType": boards[0].fpga_type.value,
        "Fpgas": {"fpga": [_board(board) for board in boards]},
    }


@actions.action(
    "LoadFpgaImageTask",
    params=(
        String("InstanceId"),
        String("FpgaUUID"),
        String("FpgaImageUUID"),
        _FPGA_TYPE,
        String("ShellUUID"),
        String("FpgaImageType"),
        String("RoleArn"),
        String("OwnerAlias"),
        String("Object"),
        String("SecurityToken"),
    ),
    mutating=True,
)
def load_fpga_image_task(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _required(params, "InstanceId", "FpgaUUID", "FpgaImageUUID")
    _check_role(ctx, params)
    instance, board = services.fpga.load(
        ctx.account_id,
        params["InstanceId"],
        params["FpgaUUID"],
        params["FpgaImageUUID"],
        services.catalog,
    )
    return {"InstanceId": instance.instance_id, **_board(board)}


@actions.action(
    "DescribeLoadTaskStatus",
    params=(String("InstanceId"), String("FpgaUUID"), String("RoleArn"), String("SecurityToken")),
    mutating=True,
)
def describe_load_task_status(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _required(params, "InstanceId", "FpgaUUID")
    _check_role(ctx, params)
    instance, board = services.fpga.board(
        ctx.account_id, params["InstanceId"], params["FpgaUUID"], services.catalog
    )
    return {"InstanceId": instance.instance_id, **_board(board)}


@actions.action(
    "PublishFpgaImage",
    params=(String("FpgaImageUUID"), String("ImageID"), String("callerUid")),
    mutating=True,
)
def publish_fpga_image(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _required(params, "FpgaImageUUID", "ImageID")
    image = services.fpga.publish(ctx.account_id, params["FpgaImageUUID"], params["ImageID"])
    return {"FpgaImageUUID": image.image_uuid, "ImageID": params["ImageID"]}


@actions.action(
    "DescribePublishFpgaImages",
    params=(String("ImageID"), String("SecurityToken"), String("callerUid")),
)
def describe_publish_fpga_images(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    found = services.fpga.publications(ctx.account_id, params.get("ImageID"))
    return {
        "PublishFpgaImages": {
            "publishFpgaImage": [
                {
                    "FpgaImageUUID": image.image_uuid,
                    "ImageID": image_id,
                    "Name": image.name,
                    "ShellUUID": image.shell_uuid,
                    "FpgaType": image.fpga_type.value,
                    "CreateTime": _time(image.created_at),
                }
                for image, image_id in found
            ]
        }
    }


@actions.action(
    "DeletePublishFpgaImage",
    params=(String("FpgaImageUUID"), String("ImageID"), String("callerUid")),
    mutating=True,
)
def delete_publish_fpga_image(
    ctx: RequestContext, params: dict[str, Any], services: Services
) -> dict[str, Any]:
    _required(params, "FpgaImageUUID", "ImageID")
    image = services.fpga.unpublish(ctx.account_id, params["FpgaImageUUID"], params["ImageID"])
    return {"FpgaImageUUID": image.image_uuid, "ImageID": params["ImageID"]}


def _check_role(ctx: RequestContext, params: dict[str, Any]) -> None:
    # a RoleArn of another account is refused as the table says; an absent one is allowed
    role_arn = params.get("RoleArn")
    if role_arn and not role_arn.startswith(f"acs:ram::{ctx.account_id}:role/"):
        raise RoleAccessError()
