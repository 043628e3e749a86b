"""Run the ASGI app under uvicorn: bind, announce readiness, stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sys
import time
from types import FrameType

from ecsim.app import build_app
from ecsim.dataplane.metadata_server import MetadataServer
from ecsim.settings import Settings

__all__ = ["serve"]

log = logging.getLogger("ecsim")

# how often automatic snapshot policies are checked for due time points
_TICK_SECONDS = 30.0
# how often instances are checked for having stopped by themselves
_DATAPLANE_TICK_SECONDS = 0.1


def serve(settings: Settings) -> None:
    import uvicorn

    from ecsim.api.protocol import EcsimHttpProtocol

    application = build_app(settings)
    sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        application.asgi,
        loop="uvloop",
        # httptools, answering CONNECT and unreadable requests in ECS's error shape
        http=EcsimHttpProtocol,
        lifespan="off",
        access_log=False,
        log_level="warning",
        server_header=False,
        date_header=True,
    )
    server = uvicorn.Server(config)

    async def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            await asyncio.sleep(0.005)
        display_host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(f"ecsim ready on http://{display_host}:{port}", flush=True)

    async def snapshot_scheduler() -> None:
        # on the loop, like the handlers, so a tick never interleaves with a request
        while True:
            try:
                application.services.snapshot_policies.tick()
            except Exception:
                log.exception("automatic snapshot tick failed")
            await asyncio.sleep(_TICK_SECONDS)

    async def dataplane_ticker() -> None:
        sync = application.services.dataplane
        while sync.enabled:
            try:
                sync.tick()
            except Exception:
                log.exception("data plane tick failed")
            await asyncio.sleep(_DATAPLANE_TICK_SECONDS)

    async def main() -> None:
        metadata = MetadataServer(application.services.dataplane.instance_at, time.time)
        application.metadata.start(asyncio.get_running_loop(), metadata.serve, metadata.stop)
        # converge the kernel to the database before the first request: after a crash this
        # adopts running instances and restores their gates
        application.services.dataplane.apply()
        announcer = asyncio.ensure_future(announce())
        scheduler = asyncio.ensure_future(snapshot_scheduler())
        ticker = asyncio.ensure_future(dataplane_ticker())
        try:
            await server.serve(sockets=[sock])
        finally:
            announcer.cancel()
            scheduler.cancel()
            ticker.cancel()
            await metadata.close()

    # uvicorn stops gracefully on SIGTERM/SIGINT, then re-raises the signal to the handler
    # installed before it. Ours only sets the exit flag (again), so the store gets closed and
    # the process exits 0; before uvicorn takes over the signals it is what stops the server.
    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    try:
        import uvloop

        uvloop.run(main())
    finally:
        application.close()
        sock.close()
        print("ecsim stopped", file=sys.stderr, flush=True)
