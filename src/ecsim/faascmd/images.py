"""The OSS object commands and the FPGA image and instance commands."""

from __future__ import annotations

from pathlib import Path

from ecsim.faascmd.session import Session, show_json

__all__ = [
    "create_image",
    "delete_image",
    "download_image",
    "fpga_status",
    "get_object",
    "list_images",
    "list_instances",
    "list_objects",
    "publish_image",
    "upload_object",
]


def list_objects(session: Session) -> None:
    session.print(*session.oss.list_objects(session.bucket()))


def upload_object(session: Session) -> None:
    key, file = session.flag("object"), session.flag("file")
    session.oss.put_file(session.bucket(), key, Path(file))
    session.print(key, file)


def get_object(session: Session) -> None:
    key = session.flag("object")
    # no --file: into the current folder, under the object's own name
    file = session.flag("file") or Path(key).name
    target = Path(file)
    if target.is_dir():
        target = target / Path(key).name
    session.oss.get_file(session.bucket(), key, target)
    session.print(key, str(target))


def create_image(session: Session) -> None:
    optional = {"KeyId": "kmskey", "Name": "name", "Description": "description", "Tags": "tags"}
    extra = {
        field: session.flags[flag] for field, flag in optional.items() if flag in session.flags
    }
    body = session.api.faas(
        "CreateFpgaImageTask",
        Bucket=session.bucket(),
        Object=session.flag("object"),
        FpgaType=session.flag("fpgatype"),
        Encrypted=session.flag("encrypted"),
        ShellUUID=session.flag("shell"),
        RoleArn=session.credentials.role,
        **extra,
    )
    session.print(show_json(body, drop_request_id=True))


def list_images(session: Session) -> None:
    body = session.api.faas("DescribeFpgaImages")
    session.print(show_json(body, pretty=True, drop_request_id=True))


def delete_image(session: Session) -> None:
    body = session.api.faas("DeleteFpgaImage", FpgaImageUUID=session.flag("imageuuid"))
    session.print(show_json(body, drop_request_id=True))


def download_image(session: Session) -> None:
    optional = {"FpgaType": "fpgatype", "ShellUUID": "shell"}
    extra = {
        field: session.flags[flag] for field, flag in optional.items() if flag in session.flags
    }
    body = session.api.faas(
        "LoadFpgaImageTask",
        InstanceId=session.flag("instanceId"),
        FpgaUUID=session.flag("fpgauuid"),
        FpgaImageUUID=session.flag("imageuuid"),
        FpgaImageType=session.flag("imagetype", "afu"),
        RoleArn=session.credentials.role,
        **extra,
    )
    session.print(show_json(body, drop_request_id=True))


def fpga_status(session: Session) -> None:
    body = session.api.faas(
        "DescribeLoadTaskStatus",
        InstanceId=session.flag("instanceId"),
        FpgaUUID=session.flag("fpgauuid"),
        RoleArn=session.credentials.role,
    )
    session.print(show_json(body, drop_request_id=True))


def publish_image(session: Session) -> None:
    body = session.api.faas(
        "PublishFpgaImage",
        FpgaImageUUID=session.flag("imageuuid"),
        ImageID=session.flag("imageid"),
    )
    session.print(show_json(body, drop_request_id=True))


def list_instances(session: Session) -> None:
    body = session.api.faas(
        "DescribeFpgaInstances",
        InstanceId=session.flag("instanceId"),
        RoleArn=session.credentials.role,
    )
    session.print(show_json(body, pretty=True, drop_request_id=True))
