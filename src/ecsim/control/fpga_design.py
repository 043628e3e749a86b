"""Checking an uploaded design the way the image build would, and the log a failed build leaves.

Intel (f1): a Green BitStream (``.gbs``): the 16-byte GBS magic ("XeonFPGA" 0xB7 "GBSv001",
GUID 58656F6E-4650-4741-B747-425376303031), a little-endian 32-bit metadata length, that much
JSON metadata, then a non-empty bitstream.
Xilinx (f3): a tar archive holding a design checkpoint (``.dcp``), itself a zip archive.
"""

from __future__ import annotations

import io
import json
import struct
import tarfile

from ecsim.model.fpga import FpgaType

__all__ = ["GBS_MAGIC", "check_design", "log_name", "log_text"]

GBS_MAGIC = b"XeonFPGA\xb7GBSv001"
_ZIP_MAGIC = b"PK\x03\x04"


def check_design(fpga_type: FpgaType, object_name: str, data: bytes) -> str:
    """Why the build of this design fails; "" when it succeeds."""
    if fpga_type is FpgaType.INTEL:
        return _check_gbs(object_name, data)
    return _check_dcp_tar(data)


def log_name(fpga_type: FpgaType, image_uuid: str) -> str:
    tool = "quartus" if fpga_type is FpgaType.INTEL else "vivado"
    return f"compiling_logs/{image_uuid}/{tool}.log"


def log_text(fpga_type: FpgaType, image_uuid: str, object_name: str, reason: str) -> str:
    tool = "Quartus Prime" if fpga_type is FpgaType.INTEL else "Vivado"
    return (
        f"****** {tool} build of FPGA image {image_uuid}\n"
        f"INFO: reading design {object_name}\n"
        f"ERROR: {reason}\n"
        f"INFO: build failed with 1 error\n"
    )


def _check_gbs(object_name: str, data: bytes) -> str:
    if not object_name.lower().endswith(".gbs"):
        return f"{object_name} is not a .gbs file"
    header = len(GBS_MAGIC) + 4
    if len(data) < header or not data.startswith(GBS_MAGIC):
        return f"{object_name} has no GBS header"
    (length,) = struct.unpack_from("<I", data, len(GBS_MAGIC))
    metadata = data[header : header + length]
    if len(metadata) < length:
        return f"{object_name}: GBS metadata is truncated"
    try:
        json.loads(metadata.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return f"{object_name}: GBS metadata is not valid JSON"
    if len(data) <= header + length:
        return f"{object_name}: the GBS file holds no bitstream"
    return ""


def _check_dcp_tar(data: bytes) -> str:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            checkpoints = [m for m in members if m.name.lower().endswith(".dcp")]
            if not checkpoints:
                return "the archive holds no design checkpoint (.dcp)"
            for member in checkpoints:
                extracted = archive.extractfile(member)
                head = extracted.read(len(_ZIP_MAGIC)) if extracted else b""
                if head != _ZIP_MAGIC:
                    return f"{member.name} is not a valid design checkpoint"
    except (tarfile.TarError, EOFError, OSError):
        return "the design is not a tar archive"
    return ""
