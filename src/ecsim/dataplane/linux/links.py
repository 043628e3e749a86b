"""Routers and ports over netlink: the plumbing under a network's gates.

A network's router is a namespace holding its vSwitches' gateway addresses and the metadata
address (on its loopback, as /32s, so that no connected route competes with the per-instance
routes), an uplink veth to the host, and one point-to-point veth per instance interface. The
instance end of that veth is created inside the instance's namespace (creating in place costs
about a millisecond; moving a link between namespaces many more). The router answers ARP for
every address of the vSwitch (proxy ARP, without the default random delay), so traffic between
two instances of one subnet is routed, and filtered, like any other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from ecsim.dataplane.linux import netns
from ecsim.dataplane.plan import (
    HOST_UPLINK_ADDRESS,
    METADATA_ADDRESS,
    ROUTER_UPLINK_ADDRESS,
    UPLINK_IFNAME,
    EniPort,
    RouterPlan,
)

__all__ = ["HostLinks", "RouterLinks", "configure_guest"]

_EEXIST = 17
_ESRCH = 3
_ENOENT = 2
_ENODEV = 19
_ONLINK = 4


def _sysctl(name: str, value: str) -> None:
    """Write a sysctl of the calling thread's network namespace."""
    Path("/proc/sys", *name.split(".")).write_text(value)


def _ignore_exists(error: NetlinkError) -> None:
    if error.code != _EEXIST:
        raise error


class RouterLinks:
    """The links of one router namespace; ``close`` releases the netlink socket."""

    def __init__(self, name: str) -> None:
        self.netns = name
        netns.create(name)
        with netns.entered(name):
            self._ipr = IPRoute()
            _sysctl("net.ipv4.ip_forward", "1")
            _sysctl("net.ipv4.conf.all.rp_filter", "0")
            _sysctl("net.ipv4.conf.default.rp_filter", "0")
        self._loopback = self._index("lo")
        self._ipr.link("set", index=self._loopback, state="up")
        self._addresses: set[IPv4Address] = set()
        self.ensure_local([METADATA_ADDRESS])
        # port names as last seen, kept up to date by add/remove (a dump decodes every link)
        self._ports: set[str] | None = None

    def close(self) -> None:
        self._ipr.close()

    def _index(self, ifname: str) -> int:
        found = _lookup(self._ipr, ifname)
        if found is None:
            raise LookupError(f"{ifname} is not in {self.netns}")
        return found

    def has_link(self, ifname: str) -> bool:
        return _lookup(self._ipr, ifname) is not None

    def ensure_local(self, addresses: Iterable[IPv4Address]) -> None:
        """The router owns ``addresses`` (gateways, metadata) and no others of ours."""
        wanted = set(addresses) | {METADATA_ADDRESS}
        for address in wanted - self._addresses:
            try:
                self._ipr.addr("add", index=self._loopback, address=str(address), prefixlen=32)
            except NetlinkError as error:
                _ignore_exists(error)
        for address in self._addresses - wanted:
            with contextlib.suppress(NetlinkError):
                self._ipr.addr("del", index=self._loopback, address=str(address), prefixlen=32)
        self._addresses = wanted

    def ensure_uplink(self) -> None:
        index = self._index(UPLINK_IFNAME)
        try:
            self._ipr.addr("add", index=index, address=str(ROUTER_UPLINK_ADDRESS), prefixlen=32)
        except NetlinkError as error:
            _ignore_exists(error)
        self._ipr.link("set", index=index, state="up")
        self._ipr.route(
            "replace",
            dst="0.0.0.0/0",
            gateway=str(HOST_UPLINK_ADDRESS),
            oif=index,
            flags=_ONLINK,
        )

    def add_port(self, port: EniPort, guest_netns: str) -> None:
        """The veth of ``port``, its router end here and its other end made in the guest."""
        if not self.has_link(port.ifname):
            self._ipr.link(
                "add",
                ifname=port.ifname,
                kind="veth",
                peer={
                    "ifname": port.guest_ifname,
                    "net_ns_fd": str(netns.path_of(guest_netns)),
                    "address": port.mac,
                },
            )
        index = self._index(port.ifname)
        self.port_names().add(port.ifname)
        with netns.entered(self.netns):
            _sysctl(f"net.ipv4.conf.{port.ifname}.proxy_arp", "1")
            # proxied ARP answers are delayed up to 0.8 s by default; instances would wait
            _sysctl(f"net.ipv4.neigh.{port.ifname}.proxy_delay", "0")
        self._ipr.link("set", index=index, state="up")
        self._ipr.route("replace", dst=f"{port.address}/32", oif=index)

    def remove_port(self, ifname: str) -> None:
        self.port_names().discard(ifname)
        with contextlib.suppress(LookupError, NetlinkError):
            self._ipr.link("del", index=self._index(ifname))

    def port_names(self) -> set[str]:
        """Router ends of instance ports (everything but lo and the uplink): listed from the
        kernel once, then tracked. A port whose instance namespace went is gone with it; a
        later removal of its name is harmless."""
        if self._ports is None:
            self._ports = {
                str(link.get_attr("IFLA_IFNAME"))
                for link in self._ipr.get_links()
                if link.get_attr("IFLA_IFNAME") not in ("lo", UPLINK_IFNAME)
            }
        return self._ports


def _lookup(ipr: IPRoute, ifname: str) -> int | None:
    """A link's index by name: one targeted request (a lookup by dump decodes every link)."""
    try:
        (link,) = ipr.link("get", ifname=ifname)
    except NetlinkError as error:
        if error.code in (_ENODEV, _ENOENT):
            return None
        raise
    return int(link["index"])


def configure_guest(guest_netns: str, ports: Iterable[EniPort]) -> None:
    """Address, MAC and routes inside the instance: what its DHCP lease would have said."""
    with netns.entered(guest_netns):
        ipr = IPRoute()
    try:
        ipr.link("set", index=_lookup(ipr, "lo"), state="up")
        for port in ports:
            index = _lookup(ipr, port.guest_ifname)
            ipr.link("set", index=index, state="up")
            try:
                ipr.addr(
                    "add",
                    index=index,
                    address=str(port.address),
                    prefixlen=port.network.prefixlen,
                )
            except NetlinkError as error:
                _ignore_exists(error)
            if port.guest_ifname == "eth0":
                ipr.route("replace", dst="0.0.0.0/0", gateway=str(port.gateway), oif=index)
    finally:
        ipr.close()


class HostLinks:
    """The host's ends of the routers' uplinks, and the routes that lead into networks."""

    def __init__(self, alias: str) -> None:
        self._ipr = IPRoute()
        self._alias = alias

    def close(self) -> None:
        self._ipr.close()

    def owned(self) -> set[str]:
        """Host ends of uplinks this server made (marked with its alias)."""
        names = set()
        for link in self._ipr.get_links():
            if link.get_attr("IFLA_IFALIAS") == self._alias:
                names.add(str(link.get_attr("IFLA_IFNAME")))
        return names

    def ensure_uplink(self, router: RouterPlan) -> int:
        found = _lookup(self._ipr, router.host_ifname)
        if found is None:
            self._ipr.link(
                "add",
                ifname=router.host_ifname,
                kind="veth",
                peer={"ifname": UPLINK_IFNAME, "net_ns_fd": str(netns.path_of(router.netns))},
            )
            found = _lookup(self._ipr, router.host_ifname)
        assert found is not None
        index = found
        self._ipr.link("set", index=index, ifalias=self._alias, state="up")
        try:
            self._ipr.addr("add", index=index, address=str(HOST_UPLINK_ADDRESS), prefixlen=32)
        except NetlinkError as error:
            _ignore_exists(error)
        _sysctl(f"net.ipv4.conf.{router.host_ifname}.rp_filter", "0")
        return index

    def routes_via(self, index: int) -> set[IPv4Network]:
        found = set()
        for route in self._ipr.get_routes(family=2, oif=index):
            dst = route.get_attr("RTA_DST")
            if dst is not None and route.get_attr("RTA_GATEWAY") == str(ROUTER_UPLINK_ADDRESS):
                found.add(IPv4Network(f"{dst}/{route['dst_len']}"))
        return found

    def ensure_routes(self, index: int, wanted: Iterable[IPv4Network]) -> None:
        wanted_set = set(wanted)
        present = self.routes_via(index)
        for block in wanted_set - present:
            self._ipr.route(
                "replace",
                dst=str(block),
                gateway=str(ROUTER_UPLINK_ADDRESS),
                oif=index,
                flags=_ONLINK,
                prefsrc=str(HOST_UPLINK_ADDRESS),
            )
        for block in present - wanted_set:
            with contextlib.suppress(NetlinkError):
                self._ipr.route("del", dst=str(block), oif=index)

    def remove(self, ifname: str) -> None:
        found = _lookup(self._ipr, ifname)
        if found is not None:
            try:
                self._ipr.link("del", index=found)
            except NetlinkError as error:
                if error.code not in (_ENOENT, _ESRCH):
                    raise
