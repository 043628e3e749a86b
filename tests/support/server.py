"""Start a real ``ecsim serve`` in a subprocess and stop it, whatever happens."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_READY = re.compile(r"ecsim ready on http://([^\s:]+):(\d+)")


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    host: str
    port: int
    data_dir: Path
    # everything the server printed; a reader thread keeps the pipe drained
    output: list[str]

    @property
    def endpoint(self) -> str:
        """host:port, as the tea SDK's Config(endpoint=...) wants it."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(
    data_dir: Path, extra_args: Sequence[str] = (), env: dict[str, str] | None = None
) -> RunningServer:
    cmd = [
        sys.executable,
        "-m",
        "ecsim",
        "serve",
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
        "--dataplane",
        "none",
        *extra_args,
    ]
    process = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    output: list[str] = []
    ready = threading.Event()
    found: list[re.Match[str]] = []

    def drain(stream: IO[str]) -> None:
        # Read until the server exits, so a chatty server never blocks on a full pipe.
        with stream:
            for line in stream:
                output.append(line)
                match = _READY.search(line)
                if match and not found:
                    found.append(match)
                    ready.set()
        ready.set()

    threading.Thread(target=drain, args=(process.stdout,), daemon=True).start()
    if ready.wait(30) and found:
        match = found[0]
        return RunningServer(process, match.group(1), int(match.group(2)), data_dir, output)
    process.kill()
    process.wait()
    raise RuntimeError("ecsim did not become ready:\n" + "".join(output))
