"""The Linux data plane: converges namespaces, links, gates and containers to a plan.

``apply`` is level-triggered and idempotent. Order matters once, at an instance's start: its
namespace, its ports and its network's gates are in place before its first process runs, so
nothing it does can pass before the default deny does. Each object is converged on its own:
a failure is logged and left for the next ``apply`` to retry, and the rest go on.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ecsim.dataplane.driver import InstanceRuntime
from ecsim.dataplane.linux import netns
from ecsim.dataplane.linux.block_devices import BlockDevices
from ecsim.dataplane.linux.guests import STOP_GRACE_SECONDS, Guests
from ecsim.dataplane.linux.links import HostLinks, RouterLinks, configure_guest
from ecsim.dataplane.linux.nftables import Nftables
from ecsim.dataplane.plan import METADATA_ADDRESS, InstancePlan, Naming, RouterPlan, WorldPlan

__all__ = ["LinuxDataplane", "MetadataSink"]

log = logging.getLogger("ecsim.dataplane")

# A new router's first ruleset: nothing passes until its compiled gates are loaded.
_CLOSED = """\
add table inet ecsim
delete table inet ecsim
table inet ecsim {
  chain forward {
    type filter hook forward priority 0; policy drop;
  }
  chain input {
    type filter hook input priority 0; policy drop;
  }
}
"""


@dataclass(frozen=True)
class MetadataSink:
    """Where the metadata listening socket of each router goes (the server serves it)."""

    attach: Callable[[str, socket.socket], None]
    detach: Callable[[str], None]


@dataclass
class _Router:
    links: RouterLinks
    nft: Nftables
    host_index: int
    ruleset: str = ""
    metadata: bool = False
    ports: dict[str, str] = field(default_factory=dict)


class LinuxDataplane:
    name = "linux"

    def __init__(
        self,
        naming: Naming,
        root: Path,
        metadata: MetadataSink | None = None,
        images: Path | None = None,
    ) -> None:
        self._naming = naming
        self._host = HostLinks(naming.host_alias)
        # data disks: loop devices over the images (under ``images``), nodes in /dev
        self._disks = BlockDevices(root, images, self._booted_pid)
        self._guests = Guests(root, prepare=self._disks.prepare)
        self._metadata = metadata
        self._routers: dict[str, _Router] = {}
        # instances whose namespace and ports are configured, by id -> their plan
        self._wired: dict[str, InstancePlan] = {}
        self._plans: dict[str, InstancePlan] = {}
        # the boot each running instance was started for (``InstancePlan.boot``)
        self._booted: dict[str, str] = {}
        # the compiled gates each network's instances boot behind (from the last plan)
        self._rulesets: dict[str, str] = {}
        self._first = True
        self._swept = False
        self._known_ids: set[str] = set()

    # -- the plan ---------------------------------------------------------------------------

    def apply(self, plan: WorldPlan) -> bool:
        self._plans = {i.instance_id: i for i in plan.instances}
        if self._first:
            self._first = False
            self._adopt(plan)
        for router in plan.routers:
            self._guarded(f"router {router.network_id}", self._ensure_router, router)
        wanted_routers = {r.network_id: r for r in plan.routers}
        for instance in plan.instances:
            if instance.running and instance.network_id in wanted_routers:
                self._guarded(f"instance {instance.instance_id}", self._wire, instance)
        for router in plan.routers:
            self._guarded(f"gates of {router.network_id}", self._load_gates, router)
        self._rulesets = {r.network_id: r.ruleset for r in plan.routers}
        for instance in plan.instances:
            if not (instance.running and instance.instance_id in self._wired):
                self._guarded(f"stop of {instance.instance_id}", self._unwire, instance.instance_id)
        for instance_id in list(self._wired):
            if instance_id not in self._plans:
                self._guarded(f"release of {instance_id}", self._unwire, instance_id)
        for instance in plan.instances:
            if instance.running and self._guests.is_running(instance.instance_id):
                self._guarded(f"disks of {instance.instance_id}", self._disks.converge, instance)
        for network_id in list(self._routers):
            if network_id not in wanted_routers:
                self._guarded(f"removal of {network_id}", self._remove_router, network_id)
        # stale objects come from a crash or a released instance: look for them then only
        # (listing the host's links on every change would cost more than the change)
        released = self._known_ids - set(self._plans)
        if released or self._swept is False:
            self._sweep(plan)
            self._swept = True
        self._known_ids = set(self._plans)
        return any(self._needs_boot(i) for i in self._plans.values())

    def _needs_boot(self, plan: InstancePlan) -> bool:
        if not plan.running or plan.instance_id not in self._wired:
            return False
        if not self._guests.is_running(plan.instance_id):
            return True
        booted = self._booted.get(plan.instance_id)
        return booted is not None and booted != plan.boot

    def settle(self) -> None:
        """Boot the instances the last plan runs: after ``apply`` (whose network work is what
        a caller waits for: an instance answers pings once it is wired), so that a launch of
        many does not wait for each one's processes to start."""
        for instance in self._plans.values():
            if instance.running and instance.instance_id in self._wired:
                ruleset = self._rulesets.get(instance.network_id, "")
                self._guarded(f"start of {instance.instance_id}", self._boot, instance, ruleset)

    def _guarded(self, what: str, step: Callable[..., object], *args: object) -> None:
        try:
            step(*args)
        except Exception:
            log.exception("data plane: %s failed; the next change retries it", what)

    def _ensure_router(self, plan: RouterPlan) -> None:
        router = self._routers.get(plan.network_id)
        if router is None:
            if not netns.exists(plan.netns):
                # a host end left from an earlier router of this name may still be there
                # while the kernel tears that namespace down (it does so asynchronously)
                self._host.remove(plan.host_ifname)
            links = RouterLinks(plan.netns)
            nft = Nftables(plan.netns)
            # deny everything before the first port exists; the compiled gates replace this
            nft.run(_CLOSED)
            host_index = self._host.ensure_uplink(plan)
            links.ensure_uplink()
            router = _Router(links, nft, host_index)
            self._routers[plan.network_id] = router
        router.links.ensure_local(g.ip for g in plan.gateways)
        if not router.metadata and self._metadata is not None:
            self._metadata.attach(plan.network_id, _metadata_socket(plan.netns))
            router.metadata = True
        self._host.ensure_routes(router.host_index, plan.host_routes)
        wanted = {p.ifname for p in plan.ports}
        for ifname in list(router.links.port_names() - wanted):
            router.links.remove_port(ifname)

    def _wire(self, plan: InstancePlan) -> None:
        if plan.instance_id in self._wired:
            return
        router = self._routers[plan.network_id]
        netns.create(plan.netns)
        for port in plan.ports:
            router.links.add_port(port, plan.netns)
        configure_guest(plan.netns, plan.ports)
        self._wired[plan.instance_id] = plan

    def _boot(self, plan: InstancePlan, ruleset: str) -> None:
        router = self._routers.get(plan.network_id)
        if router is None or router.ruleset != ruleset:
            # its gates did not load: nothing of the instance runs before they are in force
            raise RuntimeError(f"the gates of {plan.network_id} are not in force")
        booted = self._booted.get(plan.instance_id)
        if not self._guests.is_running(plan.instance_id):
            self._guests.start(plan)
            self._booted[plan.instance_id] = plan.boot
        elif booted is not None and booted != plan.boot:
            # RebootInstance: stop now; ``poll_exited`` starts it again once it has ended
            self._guests.stop(plan.instance_id, force=plan.force_stop)
            self._booted[plan.instance_id] = plan.boot

    def _load_gates(self, plan: RouterPlan) -> None:
        router = self._routers[plan.network_id]
        if router.ruleset != plan.ruleset:
            router.nft.run(plan.ruleset)
            router.ruleset = plan.ruleset

    def _unwire(self, instance_id: str) -> None:
        """Stop the instance (if it runs) and free its namespace; its files stay."""
        if self._guests.is_running(instance_id):
            plan = self._plans.get(instance_id)
            # ForceStop kills; so does a release (nothing of the instance is kept for a
            # graceful shutdown to protect)
            force = plan is None or plan.force_stop
            self._guests.stop(instance_id, force=force)
            return  # the namespace goes when the instance has ended (``poll_exited``)
        self._disks.release(instance_id)
        wired = self._wired.pop(instance_id, None)
        name = wired.netns if wired is not None else self._naming.instance_netns(instance_id)
        netns.remove(name)

    def _remove_router(self, network_id: str) -> None:
        router = self._routers.pop(network_id)
        if router.metadata and self._metadata is not None:
            self._metadata.detach(network_id)
        router.nft.close()
        self._host.remove(self._naming.host_ifname(network_id))
        netns.remove(router.links.netns)
        router.links.close()

    def _adopt(self, plan: WorldPlan) -> None:
        """After a restart: take over instances that kept running; clear what is stale."""
        for instance in plan.instances:
            if instance.running and netns.exists(instance.netns):
                if self._guests.adopt(instance.instance_id, instance.netns):
                    self._booted[instance.instance_id] = instance.boot
                    self._guarded(f"disks of {instance.instance_id}", self._disks.adopt, instance)
                else:
                    netns.remove(instance.netns)

    def _sweep(self, plan: WorldPlan) -> None:
        """Remove this server's kernel objects the plan does not name, and the files of
        instances that no longer exist."""
        wanted = {r.netns for r in plan.routers} | {i.netns for i in plan.instances if i.running}
        for name in netns.listed(self._naming.prefix):
            owner = name[len(self._naming.prefix) :]
            if name not in wanted and not self._guests.is_running(owner):
                self._guarded(f"stale namespace {name}", netns.remove, name)
        host_wanted = {r.host_ifname for r in plan.routers}
        for ifname in self._host.owned() - host_wanted:
            self._guarded(f"stale uplink {ifname}", self._host.remove, ifname)
        self._guarded("stale loop devices", self._disks.sweep)
        for instance_id in self._guests.known():
            if instance_id not in self._plans and not self._guests.is_running(instance_id):
                self._guests.remove(instance_id)

    # -- runtime ----------------------------------------------------------------------------

    def runtime(self, instance_id: str) -> InstanceRuntime | None:
        wired = self._wired.get(instance_id)
        pid = self._guests.booted_pid(instance_id)
        if wired is None or pid is None:
            return None
        return InstanceRuntime(instance_id, pid, wired.netns)

    def console_output(self, instance_id: str) -> bytes:
        return self._guests.console_output(instance_id)

    def poll_exited(self) -> list[str]:
        exited: list[str] = []
        for instance_id, requested in self._guests.poll():
            plan = self._plans.get(instance_id)
            wanted = plan is not None and plan.running
            if wanted and not requested and plan is not None:
                if self._guests.reboot_requested(instance_id):
                    self._guarded(f"reboot of {instance_id}", self._guests.start, plan)
                    continue
                exited.append(instance_id)
            if not wanted:
                self._guarded(f"stop of {instance_id}", self._unwire, instance_id)
                if plan is None:
                    # released while it was stopping: its files go now that it has ended
                    self._guests.remove(instance_id)
            elif instance_id in exited:
                self._guarded(f"power-off of {instance_id}", self._unwire, instance_id)
            elif requested:
                # a restart (Reboot): stopped on purpose and wanted again
                self._guarded(f"restart of {instance_id}", self._guests.start, plan)
        self._disks.poll()
        return exited

    # -- disks ------------------------------------------------------------------------------

    def _booted_pid(self, instance_id: str) -> int | None:
        if not self._guests.is_running(instance_id):
            return None
        return self._guests.booted_pid(instance_id, timeout=0)

    def freeze_disk(self, disk_id: str) -> None:
        self._guarded(f"freeze of {disk_id}", self._disks.freeze, disk_id)

    def thaw_disk(self, disk_id: str) -> None:
        self._guarded(f"thaw of {disk_id}", self._disks.thaw, disk_id)

    def release_disk(self, disk_id: str) -> None:
        """Return once no instance on its way down holds the disk: ResetDisk writes the image
        next, and a file system still mounted inside would write over it when unmounted."""
        holder = self._disks.holder(disk_id)
        plan = self._plans.get(holder) if holder is not None else None
        if plan is not None and plan.running:
            return
        if holder is not None:
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            killed = False
            while not self._guests.has_ended(holder):
                if time.monotonic() > deadline:
                    if killed:
                        log.warning("data plane: %s did not end; %s is attached", holder, disk_id)
                        return
                    self._guests.stop(holder, force=True)
                    killed, deadline = True, time.monotonic() + STOP_GRACE_SECONDS
                time.sleep(0.01)
            # ``poll_exited`` reports its end later; its loop devices go now
            self._disks.release(holder)
        # a root on the disk goes with the instance's mount namespace, once written out
        if not self._disks.wait_root_gone(disk_id, STOP_GRACE_SECONDS):
            log.warning("data plane: the root file system on %s is still mounted", disk_id)

    def close(self, *, keep_instances: bool) -> None:
        if not keep_instances:
            self._guests.stop_all(timeout=10.0)
            for instance_id in list(self._wired):
                self._guarded(f"release of {instance_id}", self._unwire, instance_id)
            for network_id in list(self._routers):
                self._guarded(f"removal of {network_id}", self._remove_router, network_id)
            # the instances' roots are written out as their mount namespaces go
            if not self._disks.wait_unbound(None, timeout=10.0):
                log.warning("data plane: some instance roots were still mounted at exit")
        self._host.close()


def _metadata_socket(router_netns: str) -> socket.socket:
    """A listening socket on the metadata address, opened inside the router's namespace."""
    with netns.entered(router_netns):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((str(METADATA_ADDRESS), 80))
    sock.listen(128)
    sock.setblocking(False)
    return sock
