"""Hands routers' metadata sockets to the metadata server once the event loop runs.

The driver opens a listening socket in each router's namespace, on its own thread; the
server serves it on the loop. Sockets attached before the loop starts wait here.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable

__all__ = ["MetadataHub"]

Serve = Callable[[str, socket.socket], Awaitable[None]]
Stop = Callable[[str], Awaitable[None]]


class MetadataHub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._serve: Serve | None = None
        self._stop: Stop | None = None
        self._waiting: dict[str, socket.socket] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, loop: asyncio.AbstractEventLoop, serve: Serve, stop: Stop) -> None:
        self._loop, self._serve, self._stop = loop, serve, stop
        waiting, self._waiting = self._waiting, {}
        for network_id, sock in waiting.items():
            self.attach(network_id, sock)

    def attach(self, network_id: str, sock: socket.socket) -> None:
        if self._loop is None or self._serve is None:
            self._waiting[network_id] = sock
            return
        if self._loop.is_closed():
            sock.close()
            return
        serve = self._serve
        self._loop.call_soon_threadsafe(lambda: self._spawn(serve(network_id, sock)))

    def detach(self, network_id: str) -> None:
        sock = self._waiting.pop(network_id, None)
        if sock is not None:
            sock.close()
        elif self._loop is not None and not self._loop.is_closed() and self._stop is not None:
            stop = self._stop
            self._loop.call_soon_threadsafe(lambda: self._spawn(stop(network_id)))

    def _spawn(self, work: Awaitable[None]) -> None:
        assert self._loop is not None

        async def run() -> None:
            await work

        task = self._loop.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
