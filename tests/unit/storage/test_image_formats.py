"""The pure-Python readers of ImportImage's formats: RAW, QCOW2 (v2, v3) and VHD (fixed,
dynamic), on files written by tests/support/disk_images.py and, where qemu-img is
installed, on files qemu-img wrote."""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from ecsim.storage.image_formats import ImageFormatError, detect_format, open_image
from tests.support.disk_images import qcow2_image, vhd_image

MIB = 2**20
CLUSTER = 64 * 1024


def _bytes_of(path: Path, given: str | None = None) -> tuple[str, bytes]:
    image = open_image(path, given)
    out = bytearray(image.virtual_size)
    for offset, data in image.extents():
        out[offset : offset + len(data)] = data
    return image.format, bytes(out)


def _expected(size: int, extents: dict[int, bytes]) -> bytes:
    out = bytearray(size)
    for offset, data in extents.items():
        out[offset : offset + len(data)] = data
    return bytes(out)


@pytest.fixture
def extents() -> dict[int, bytes]:
    rng = random.Random(7)
    return {0: rng.randbytes(CLUSTER), 5 * CLUSTER: rng.randbytes(700), 60 * CLUSTER: b"end"}


def test_raw_is_the_bytes_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "disk.raw"
    path.write_bytes(b"\0" * 100 + b"boot" + b"\0" * 900)
    assert _bytes_of(path) == ("RAW", path.read_bytes())


@pytest.mark.parametrize("version", [2, 3])
def test_qcow2_clusters_land_at_their_offsets(
    tmp_path: Path, extents: dict[int, bytes], version: int
) -> None:
    path = tmp_path / "disk.qcow2"
    path.write_bytes(qcow2_image(4 * MIB, extents, version=version))
    assert detect_format(path) == "QCOW2"
    assert _bytes_of(path) == ("QCOW2", _expected(4 * MIB, extents))
    assert _bytes_of(path, "QCOW2")[0] == "QCOW2"


def test_qcow2_zero_flagged_clusters_read_as_zeros(
    tmp_path: Path, extents: dict[int, bytes]
) -> None:
    path = tmp_path / "disk.qcow2"
    path.write_bytes(qcow2_image(4 * MIB, extents, zero_flagged=(9 * CLUSTER,)))
    assert _bytes_of(path)[1] == _expected(4 * MIB, extents)


def test_qcow2_small_clusters_and_many_l2_tables(tmp_path: Path) -> None:
    # 4 KiB clusters: one L2 table covers 2 MiB, so an 8 MiB disk needs four
    extents = {0: b"a" * 4096, 3 * MIB: b"b" * 4096, 8 * MIB - 4096: b"c" * 10}
    path = tmp_path / "disk.qcow2"
    path.write_bytes(qcow2_image(8 * MIB, extents, cluster_bits=12))
    assert _bytes_of(path)[1] == _expected(8 * MIB, extents)


@pytest.mark.parametrize("dynamic", [False, True])
def test_vhd_fixed_and_dynamic(tmp_path: Path, extents: dict[int, bytes], dynamic: bool) -> None:
    extents[3 * MIB] = b"second block"
    path = tmp_path / "disk.vhd"
    path.write_bytes(vhd_image(6 * MIB, extents, dynamic=dynamic))
    assert _bytes_of(path) == ("VHD", _expected(6 * MIB, extents))


def _patched(data: bytes, offset: int, value: int, fmt: str = ">Q") -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


@pytest.mark.parametrize(
    ("offset", "value", "fmt", "reason"),
    [
        (8, 4096, ">Q", "backing file"),
        (32, 1, ">I", "encrypted"),
        (72, 1 << 2, ">Q", "incompatible features"),
        (4, 4, ">I", "version 4"),
    ],
)
def test_qcow2_features_ecsim_cannot_read_are_refused(
    tmp_path: Path, extents: dict[int, bytes], offset: int, value: int, fmt: str, reason: str
) -> None:
    path = tmp_path / "disk.qcow2"
    path.write_bytes(_patched(qcow2_image(4 * MIB, extents), offset, value, fmt))
    with pytest.raises(ImageFormatError, match=reason):
        open_image(path)


def test_compressed_qcow2_clusters_are_refused(tmp_path: Path) -> None:
    data = bytearray(qcow2_image(4 * MIB, {0: b"x" * CLUSTER}))
    l2_at = 3 * CLUSTER + CLUSTER  # after the header, refcounts and the one-cluster L1
    entry = struct.unpack_from(">Q", data, l2_at)[0]
    struct.pack_into(">Q", data, l2_at, entry | (1 << 62))
    path = tmp_path / "disk.qcow2"
    path.write_bytes(bytes(data))
    with pytest.raises(ImageFormatError, match="compressed"):
        open_image(path)


def test_a_truncated_image_is_refused(tmp_path: Path, extents: dict[int, bytes]) -> None:
    path = tmp_path / "disk.qcow2"
    path.write_bytes(qcow2_image(4 * MIB, extents)[: 5 * CLUSTER])
    with pytest.raises(ImageFormatError, match="ends early"):
        list(open_image(path).extents())


def test_the_format_given_must_be_the_files(tmp_path: Path) -> None:
    path = tmp_path / "disk.raw"
    path.write_bytes(b"plain bytes" * 100)
    with pytest.raises(ImageFormatError, match="not a QCOW2 image"):
        open_image(path, "QCOW2")
    qcow = tmp_path / "disk.qcow2"
    qcow.write_bytes(qcow2_image(MIB, {0: b"q"}))
    # RAW is taken at its word: a disk may begin with any bytes
    assert open_image(qcow, "RAW").virtual_size == qcow.stat().st_size
    with pytest.raises(ImageFormatError, match="qemu-img"):
        vmdk = tmp_path / "disk.vmdk"
        vmdk.write_bytes(b"KDMV" + b"\0" * 600)
        open_image(vmdk)


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img (qemu-utils) absent")
@pytest.mark.parametrize(
    ("options", "fmt"),
    [
        (["-O", "qcow2"], "QCOW2"),
        (["-O", "qcow2", "-o", "compat=0.10"], "QCOW2"),
        (["-O", "qcow2", "-o", "cluster_size=4096"], "QCOW2"),
        (["-O", "vpc", "-o", "subformat=fixed,force_size=on"], "VHD"),
        (["-O", "vpc", "-o", "force_size=on"], "VHD"),
    ],
)
def test_files_qemu_img_wrote_read_the_same(tmp_path: Path, options: list[str], fmt: str) -> None:
    rng = random.Random(11)
    raw = bytearray(16 * MIB)
    for _ in range(20):
        at = rng.randrange(0, len(raw) - 100_000)
        raw[at : at + 50_000] = rng.randbytes(50_000)
    source, converted = tmp_path / "disk.raw", tmp_path / "disk.out"
    source.write_bytes(bytes(raw))
    subprocess.run(["qemu-img", "convert", "-f", "raw", *options, source, converted], check=True)
    found, data = _bytes_of(converted)
    assert found == fmt
    assert data[: len(raw)] == bytes(raw)
    assert data[len(raw) :].count(0) == len(data) - len(raw)
