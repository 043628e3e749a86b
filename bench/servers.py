"""Benchmark servers: ecsim and moto_server as loopback subprocesses, always stopped."""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["KEY", "Server", "running", "start_ecsim", "start_moto"]

_READY = re.compile(rb"ecsim ready on http://([^\s:]+):(\d+)")
KEY = ("ecsim", "ecsim-secret")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    host: str
    port: int

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"


def _ecsim_command() -> list[str]:
    # The console script users run, when it sits next to this interpreter (a venv).
    script = Path(sys.executable).with_name("ecsim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ecsim"]


def _drain(stream: IO[bytes]) -> None:
    """Keep reading a child's pipe so a chatty child never blocks on a full pipe."""

    def run() -> None:
        with contextlib.suppress(OSError, ValueError):
            while stream.read(65536):
                pass

    threading.Thread(target=run, daemon=True).start()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_ecsim(
    data_dir: Path, timeout: float = 30.0, extra_args: Sequence[str] = ()
) -> tuple[Server, float]:
    """A running ecsim and the seconds from spawn to its ready line."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            *_ecsim_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--data-dir",
            str(data_dir),
            "--dataplane",
            "none",
            *extra_args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    output = b""
    try:
        # selectors + os.read, not readline: a server that never gets ready must not hang us.
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            deadline = started + timeout
            while (left := deadline - time.perf_counter()) > 0:
                if not selector.select(left):
                    continue
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                output += chunk
                match = _READY.search(output)
                if match:
                    elapsed = time.perf_counter() - started
                    _drain(process.stdout)
                    host, port = match.group(1).decode(), int(match.group(2))
                    return Server(process, host, port), elapsed
    except BaseException:
        _stop(process)  # Ctrl-C while waiting must not leave a server behind
        raise
    _stop(process)
    raise RuntimeError("ecsim did not become ready:\n" + output.decode(errors="replace"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def start_moto(timeout: float = 60.0) -> tuple[Server, float]:
    """moto_server on a free loopback port, and the seconds until it accepts connections."""
    port = _free_port()
    moto = Path(sys.executable).with_name("moto_server")
    command = ([str(moto)] if moto.exists() else [sys.executable, "-m", "moto.server"]) + [
        "-H",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    started = time.perf_counter()
    # moto logs every request on stderr: discard it rather than let a pipe fill up.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = started + timeout
    try:
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return Server(process, "127.0.0.1", port), time.perf_counter() - started
            except OSError:
                time.sleep(0.01)
    except BaseException:
        _stop(process)
        raise
    _stop(process)
    raise RuntimeError("moto_server did not start listening")


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        _stop(server.process)
