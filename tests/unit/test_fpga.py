"""The FaaS domain with small stand-ins for OSS and RAM: builds, limits, boards and loads."""

from __future__ import annotations

import io
import json
import struct
import tarfile
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, cast

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.catalog import Catalog, load_catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.fpga import Fpga, ImageRequest
from ecsim.control.fpga_design import GBS_MAGIC, check_design
from ecsim.control.object_storage import ObjectStorage
from ecsim.control.ram import Ram
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.fpga import FpgaType, ImageState, LoadStatus
from ecsim.settings import Limits
from ecsim.store.sqlite import SqliteStore
from tests.unit.compute_world import an_instance

ACCOUNT = "1111"
OTHER = "2222"
ROLE = f"acs:ram::{ACCOUNT}:role/faasrole"


class FakeObjects:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], bytes] = {}

    def get_object(self, account_id: str, bucket: str, key: str) -> bytes:
        try:
            return self.objects[(account_id, bucket, key)]
        except KeyError:
            raise EcsError("no key", code="NoSuchKey", http_status=404) from None

    def put_object(self, account_id: str, bucket: str, key: str, data: bytes) -> str:
        self.objects[(account_id, bucket, key)] = data
        return '"etag"'


class FakeRam:
    def check_bucket_access(self, account_id: str, role_arn: str, bucket: str) -> None:
        if role_arn != f"acs:ram::{account_id}:role/faasrole":
            raise EcsError("no", code="RoleAccessError", http_status=403)


def dcp_tar(checkpoint: bytes = b"PK\x03\x04design") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("design/top.dcp")
        info.size = len(checkpoint)
        archive.addfile(info, io.BytesIO(checkpoint))
    return buffer.getvalue()


def gbs(metadata: dict[str, Any] | None = None, body: bytes = b"\x01bits") -> bytes:
    meta = json.dumps(metadata or {"version": 640}).encode()
    return GBS_MAGIC + struct.pack("<I", len(meta)) + meta + body


class World:
    def __init__(self, limits: Limits) -> None:
        self.store = SqliteStore(":memory:")
        self.clock = FrozenClock()
        self.objects = FakeObjects()
        self.catalog: Catalog = load_catalog()
        self.fpga = Fpga(
            self.store,
            IdFactory(seed=3),
            self.clock,
            limits,
            cast(ObjectStorage, self.objects),
            cast(Ram, FakeRam()),
        )

    def upload(self, key: str, data: bytes, account: str = ACCOUNT) -> None:
        self.objects.objects[(account, "bkt", key)] = data

    def request(self, key: str, fpga_type: FpgaType = FpgaType.XILINX, **kw: Any) -> ImageRequest:
        fields: dict[str, Any] = {"shell_uuid": "V1.0", "role_arn": ROLE} | kw
        return ImageRequest(bucket="bkt", object_name=key, fpga_type=fpga_type, **fields)

    def built(self, key: str, account: str = ACCOUNT, **kw: Any) -> str:
        image = self.fpga.create_image(account, self.request(key, **kw))
        self.fpga.images(account)
        self.fpga.images(account)
        return image.image_uuid

    def instance(self, instance_id: str, instance_type: str, account: str = ACCOUNT) -> None:
        instance = an_instance(instance_id, instance_type=instance_type, account_id=account)
        InstanceRepository(self.store).save(instance)


@pytest.fixture
def world() -> Iterator[World]:
    made = World(Limits(fpga_image_request_window_seconds=0))
    yield made
    made.store.close()


def codes(error: pytest.ExceptionInfo[EcsError]) -> tuple[str, int]:
    return error.value.code, error.value.http_status


def test_a_build_goes_queued_compiling_success(world: World) -> None:
    world.upload("d.tar", dcp_tar())
    image = world.fpga.create_image(ACCOUNT, world.request("d.tar"))
    assert image.state is ImageState.QUEUED
    assert [i.state for i in world.fpga.images(ACCOUNT)] == [ImageState.COMPILING]
    assert [i.state for i in world.fpga.images(ACCOUNT)] == [ImageState.SUCCESS]
    assert image.image_uuid.startswith("xilinx")


def test_a_bad_design_fails_and_leaves_a_vivado_log(world: World) -> None:
    world.upload("d.tar", b"not a tar at all")
    uuid = world.built("d.tar")
    assert world.fpga.images(ACCOUNT)[0].state is ImageState.FAILED
    log = world.objects.objects[(ACCOUNT, "bkt", f"compiling_logs/{uuid}/vivado.log")]
    assert b"not a tar archive" in log


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.gbs", gbs(), ""),
        ("a.bin", gbs(), "not a .gbs file"),
        ("a.gbs", b"XeonFPGA", "no GBS header"),
        ("a.gbs", gbs(body=b""), "no bitstream"),
        ("a.gbs", GBS_MAGIC + struct.pack("<I", 3) + b"{{{x", "not valid JSON"),
    ],
)
def test_intel_designs_are_gbs_files(name: str, data: bytes, reason: str) -> None:
    found = check_design(FpgaType.INTEL, name, data)
    assert (reason in found) if reason else found == ""


def test_a_tar_without_a_checkpoint_fails() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(tarfile.TarInfo("readme.txt"), io.BytesIO(b""))
    assert "no design checkpoint" in check_design(FpgaType.XILINX, "d.tar", buffer.getvalue())
    assert "not a valid design checkpoint" in check_design(
        FpgaType.XILINX, "d.tar", dcp_tar(b"junk")
    )


def test_limits_and_refusals_of_create(world: World) -> None:
    world.upload("d.tar", dcp_tar())
    with pytest.raises(EcsError) as shell:
        world.fpga.create_image(ACCOUNT, world.request("d.tar", shell_uuid="V9"))
    assert codes(shell) == ("SHELL NOT SUPPORT", 404)
    with pytest.raises(EcsError) as missing:
        world.fpga.create_image(ACCOUNT, world.request("gone.tar"))
    assert codes(missing) == ("OSS OBJECT NOT FOUND", 404)
    with pytest.raises(EcsError) as role:
        world.fpga.create_image(ACCOUNT, world.request("d.tar", role_arn="acs:ram::9:role/x"))
    assert codes(role) == ("RoleAccessError", 403)
    with pytest.raises(EcsError) as key:
        world.fpga.create_image(ACCOUNT, world.request("d.tar", encrypted=True))
    assert codes(key) == ("PARAMETER INVALIDATE", 400)
    for _ in range(10):
        world.fpga.create_image(ACCOUNT, world.request("d.tar"))
    with pytest.raises(EcsError) as full:
        world.fpga.create_image(ACCOUNT, world.request("d.tar"))
    assert codes(full) == ("IMAGE NUMBER EXCEED", 401)


def test_one_request_per_window() -> None:
    world = World(Limits(fpga_image_request_window_seconds=1800))
    world.upload("d.tar", dcp_tar())
    world.fpga.create_image(ACCOUNT, world.request("d.tar"))
    with pytest.raises(EcsError) as refused:
        world.fpga.create_image(ACCOUNT, world.request("d.tar"))
    assert codes(refused) == ("FREQUENCY ERROR", 503)
    world.clock.advance(1800)
    world.fpga.create_image(ACCOUNT, world.request("d.tar"))


def test_boards_come_from_the_catalog(world: World) -> None:
    world.instance("i-f3", "ecs.f3-c16f1.8xlarge")
    world.instance("i-g6", "ecs.g6.large")
    _, boards = world.fpga.instance_boards(ACCOUNT, "i-f3", world.catalog)
    assert [(b.fpga_type, b.shell_uuid, b.status) for b in boards] == [
        (FpgaType.XILINX, "V1.0", LoadStatus.NONE)
    ] * 2
    again = world.fpga.instance_boards(ACCOUNT, "i-f3", world.catalog)[1]
    assert [b.fpga_uuid for b in again] == [b.fpga_uuid for b in boards]
    with pytest.raises(EcsError) as plain:
        world.fpga.instance_boards(ACCOUNT, "i-g6", world.catalog)
    assert codes(plain) == ("INSTANCE INVALIDATE", 404)
    with pytest.raises(EcsError) as foreign:
        world.fpga.instance_boards(OTHER, "i-f3", world.catalog)
    assert codes(foreign) == ("NOT AUTHORIZED", 401)


def test_a_load_runs_until_looked_at_or_timed_out(world: World) -> None:
    world.upload("d.tar", dcp_tar())
    uuid = world.built("d.tar")
    world.instance("i-f3", "ecs.f3-c4f1.xlarge")
    board = world.fpga.instance_boards(ACCOUNT, "i-f3", world.catalog)[1][0].fpga_uuid
    _, loading = world.fpga.load(ACCOUNT, "i-f3", board, uuid, world.catalog)
    assert loading.status is LoadStatus.OPERATING
    with pytest.raises(EcsError) as busy:
        world.fpga.load(ACCOUNT, "i-f3", board, uuid, world.catalog)
    assert codes(busy) == ("ANOTHER TASK RUNNING", 503)
    world.clock.advance(60)
    _, loading = world.fpga.load(ACCOUNT, "i-f3", board, uuid, world.catalog)
    _, done = world.fpga.board(ACCOUNT, "i-f3", board, world.catalog)
    assert (done.status, done.image_uuid) == (LoadStatus.VALID, uuid)


def test_load_refusals(world: World) -> None:
    world.upload("d.tar", dcp_tar())
    world.upload("i.gbs", gbs())
    xilinx = world.built("d.tar")
    world.clock.advance(1)
    intel = world.built("i.gbs", fpga_type=FpgaType.INTEL, shell_uuid="V1.1")
    v11 = world.built("d.tar", shell_uuid="V1.1")
    queued = world.fpga.create_image(ACCOUNT, world.request("d.tar")).image_uuid
    world.upload("d.tar", dcp_tar(), account=OTHER)
    foreign = world.built("d.tar", account=OTHER, role_arn=f"acs:ram::{OTHER}:role/faasrole")
    world.instance("i-f3", "ecs.f3-c4f1.xlarge")
    world.instance("i-f1", "ecs.f1-c8f1.2xlarge")
    board = world.fpga.instance_boards(ACCOUNT, "i-f3", world.catalog)[1][0].fpga_uuid

    def refused(image: str, instance: str = "i-f3", fpga: str = board) -> tuple[str, int]:
        with pytest.raises(EcsError) as caught:
            world.fpga.load(ACCOUNT, instance, fpga, image, world.catalog)
        return codes(caught)

    assert refused("nope") == ("IMAGE NOT FOUND", 404)
    assert refused(foreign) == ("IMAGE ACCESS ERROR", 401)
    assert refused(queued) == ("Image not in success state", 404)
    assert refused(v11) == ("SHELL NOT MATCH", 404)
    assert refused(intel) == ("SHELL NOT MATCH", 404)
    assert refused(xilinx, fpga="no-such-board") == ("FPGA NOT FOUND", 404)
    assert refused(xilinx, instance="i-none") == ("YOU HAVE NO ACCESS TO THIS INSTANCE", 401)
    # a published image is offered to every account
    world.fpga.publish(OTHER, foreign, "m-1")
    world.fpga.load(ACCOUNT, "i-f3", board, foreign, world.catalog)


def test_publish_update_delete(world: World) -> None:
    world.upload("d.tar", dcp_tar())
    uuid = world.built("d.tar")
    queued = world.fpga.create_image(ACCOUNT, world.request("d.tar")).image_uuid
    with pytest.raises(EcsError) as state:
        world.fpga.publish(ACCOUNT, queued, "m-1")
    assert codes(state) == ("FPGA IMAGE STATE ERROR", 404)
    with pytest.raises(EcsError) as missing:
        world.fpga.publish(OTHER, uuid, "m-1")
    assert codes(missing) == ("FPGA IMAGE NOT FOUND", 404)
    world.fpga.publish(ACCOUNT, uuid, "m-1")
    assert [(i.image_uuid, m) for i, m in world.fpga.publications(ACCOUNT, None)] == [(uuid, "m-1")]
    world.fpga.unpublish(ACCOUNT, uuid, "m-1")
    assert world.fpga.publications(ACCOUNT, "m-1") == []
    updated = world.fpga.update_image(ACCOUNT, uuid, name="n", description=None, tags="t")
    assert replace(updated, updated_at=updated.created_at).name == "n"
    world.fpga.delete_image(ACCOUNT, uuid)
    with pytest.raises(EcsError) as gone:
        world.fpga.delete_image(ACCOUNT, uuid)
    assert codes(gone) == ("IMAGE NOT FOUND", 400)
