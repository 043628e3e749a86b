"""nftables through libnftables, the library the ``nft`` command is built on.

Each ruleset is loaded as one transaction (all of it or none, like ``nft -f``), in-process:
starting ``nft`` costs milliseconds per change, a library call a fraction of one, and the
propagation of a rule change is what the data plane is measured on.
"""

from __future__ import annotations

import ctypes

from ecsim.dataplane.linux.netns import entered

__all__ = ["NftError", "Nftables"]

_lib = ctypes.CDLL("libnftables.so.1")
_lib.nft_ctx_new.restype = ctypes.c_void_p
_lib.nft_ctx_new.argtypes = [ctypes.c_uint32]
_lib.nft_ctx_free.argtypes = [ctypes.c_void_p]
_lib.nft_ctx_buffer_output.argtypes = [ctypes.c_void_p]
_lib.nft_ctx_buffer_error.argtypes = [ctypes.c_void_p]
_lib.nft_ctx_get_output_buffer.argtypes = [ctypes.c_void_p]
_lib.nft_ctx_get_output_buffer.restype = ctypes.c_char_p
_lib.nft_ctx_get_error_buffer.argtypes = [ctypes.c_void_p]
_lib.nft_ctx_get_error_buffer.restype = ctypes.c_char_p
_lib.nft_run_cmd_from_buffer.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.nft_run_cmd_from_buffer.restype = ctypes.c_int


class NftError(RuntimeError):
    """nftables refused a ruleset; nothing of it was applied."""


class Nftables:
    """A libnftables context bound to one network namespace."""

    def __init__(self, netns: str | None = None) -> None:
        if netns is None:
            self._ctx = _lib.nft_ctx_new(0)
        else:
            with entered(netns):
                self._ctx = _lib.nft_ctx_new(0)
        if not self._ctx:
            raise NftError("libnftables could not make a context")
        _lib.nft_ctx_buffer_output(self._ctx)
        _lib.nft_ctx_buffer_error(self._ctx)

    def run(self, text: str) -> str:
        """Run ``text`` as one transaction; its output, or ``NftError`` with nft's message."""
        if not self._ctx:
            raise NftError("context closed")
        code = _lib.nft_run_cmd_from_buffer(self._ctx, text.encode())
        if code != 0:
            error = _lib.nft_ctx_get_error_buffer(self._ctx) or b""
            raise NftError(error.decode(errors="replace").strip())
        output = _lib.nft_ctx_get_output_buffer(self._ctx) or b""
        return output.decode(errors="replace")

    def close(self) -> None:
        if self._ctx:
            _lib.nft_ctx_free(self._ctx)
            self._ctx = None
