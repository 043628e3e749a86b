"""The checksums OSS reports for an object: the MD5 ETag and CRC-64/ECMA-182.

OSS's CRC-64 is the reflected ECMA-182 polynomial with all-ones init and final xor (oss2
computes it with crcmod and compares it with ``x-oss-hash-crc64ecma``). crcmod's C extension
computes it fast enough for large objects; without crcmod the header is left out, which oss2
accepts (it checks the CRC only when the server sends one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

__all__ = ["Digest", "crc64_available"]

_POLY = 0x142F0E1EBA9EA3693
_ALL_ONES = 0xFFFFFFFFFFFFFFFF


def _crc_function() -> Callable[[bytes, int], int] | None:
    try:
        import crcmod  # type: ignore[import-untyped]
    except ImportError:
        return None
    function: Callable[[bytes, int], int] = crcmod.mkCrcFun(
        _POLY, initCrc=0, xorOut=_ALL_ONES, rev=True
    )
    return function


_CRC64 = _crc_function()


def crc64_available() -> bool:
    return _CRC64 is not None


class Digest:
    """MD5 and CRC-64 of a byte stream fed in chunks."""

    def __init__(self) -> None:
        self._md5: Any = hashlib.md5(usedforsecurity=False)
        self._crc = 0
        self.size = 0

    def update(self, chunk: bytes | memoryview) -> None:
        self._md5.update(chunk)
        if _CRC64 is not None:
            self._crc = _CRC64(bytes(chunk) if isinstance(chunk, memoryview) else chunk, self._crc)
        self.size += len(chunk)

    def md5_hex(self) -> str:
        return str(self._md5.hexdigest()).upper()

    def md5_digest(self) -> bytes:
        return bytes(self._md5.digest())

    def crc64(self) -> int | None:
        return self._crc if _CRC64 is not None else None
