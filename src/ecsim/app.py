"""Composition root: settings in, a ready ASGI app (and its services) out."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ecsim.api.actions import ACTION_GROUPS
from ecsim.api.asgi import AsgiApp, build_asgi
from ecsim.api.auth import Authenticator
from ecsim.api.oss.app import build_oss_asgi
from ecsim.api.registry import Registry
from ecsim.api.rpc import RpcSkeleton
from ecsim.clock import Clock, SystemClock
from ecsim.control.accounts import Accounts
from ecsim.control.addresses import Addresses
from ecsim.control.catalog import load_catalog
from ecsim.control.custom_images import CustomImages
from ecsim.control.dataplane_plan import PlanBuilder
from ecsim.control.dataplane_sync import DataplaneSync
from ecsim.control.disks import Disks
from ecsim.control.fpga import Fpga
from ecsim.control.idempotency import ClientTokens
from ecsim.control.image_sharing import ImageSharing
from ecsim.control.images import Images
from ecsim.control.instances import Instances
from ecsim.control.key_pairs import KeyPairs
from ecsim.control.network_interfaces import NetworkInterfaces
from ecsim.control.networks import Networks
from ecsim.control.object_storage import ObjectStorage
from ecsim.control.ram import Ram
from ecsim.control.reachability import Reachability
from ecsim.control.security_group_rules import SecurityGroupRules
from ecsim.control.security_groups import SecurityGroups
from ecsim.control.snapshot_jobs import SnapshotJobs
from ecsim.control.snapshot_policies import SnapshotPolicies
from ecsim.control.snapshots import Snapshots
from ecsim.control.storage_reconcile import reconcile_storage
from ecsim.control.tags import Tags
from ecsim.dataplane.driver import Dataplane, NoDataplane
from ecsim.dataplane.metadata_hub import MetadataHub
from ecsim.dataplane.plan import Naming, short_name
from ecsim.delays import Delays
from ecsim.ids import IdFactory
from ecsim.services import Services
from ecsim.settings import Settings
from ecsim.storage import FileBlockStore
from ecsim.store.sqlite import SqliteStore

__all__ = ["Application", "build_app"]


@dataclass(frozen=True)
class Application:
    asgi: AsgiApp
    services: Services
    registry: Registry
    metadata: MetadataHub
    scratch: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        self.services.snapshots.close()  # before the data plane: a snapshot may hold a freeze
        self.services.dataplane.close()
        self.services.store.close()
        if self.scratch is not None:
            self.scratch.cleanup()


def build_app(
    settings: Settings, *, clock: Clock | None = None, ids: IdFactory | None = None
) -> Application:
    clock = clock or SystemClock()
    # an in-memory server keeps OSS objects and disk images in a directory removed on close
    scratch = tempfile.TemporaryDirectory(prefix="ecsim-oss-") if settings.in_memory else None
    ids = ids or IdFactory()
    store = SqliteStore(settings.database_path, sync=settings.sync)
    accounts = Accounts(store, ids, clock)
    accounts.ensure_root(settings.access_key_id, settings.access_key_secret)
    delays = Delays.realistic() if settings.realistic_delays else Delays()
    catalog = load_catalog()
    metadata = MetadataHub()
    naming = Naming(short_name("", str(_state_root(settings, scratch).resolve()))[:6])
    blocks = FileBlockStore(_blocks_root(settings, scratch))
    reconcile_storage(store, blocks)  # engine state a crash left without its records
    driver = _dataplane(
        settings,
        naming,
        _state_root(settings, scratch) / "instances",
        metadata,
        # where FileBlockStore keeps the images (disks/<disk_id>.img)
        images=_blocks_root(settings, scratch) / "disks",
    )
    limits = settings.limits
    tags = Tags(store)
    images = Images(store, clock, tags)

    def bootable(account_id: str, region_id: str, image_id: str) -> bool:
        return not images.is_windows(region_id, image_id, account_id=account_id)

    plans = PlanBuilder(store, naming, blocks.disk_path, bootable=bootable)
    dataplane = DataplaneSync(store, clock, plans, driver)
    ram = Ram(store, ids, clock)
    objects = ObjectStorage(store, clock, _objects_root(settings, scratch))
    snapshots = Snapshots(
        store, ids, clock, limits, catalog, tags, blocks, users=dataplane, jobs=SnapshotJobs(blocks)
    )
    disks = Disks(store, ids, clock, limits, catalog, tags, blocks)
    services = Services(
        store=store,
        clock=clock,
        ids=ids,
        accounts=accounts,
        catalog=catalog,
        client_tokens=ClientTokens(store),
        tags=tags,
        networks=Networks(
            store, ids, clock, catalog, limits, tags, ready_delay=delays.network_ready
        ),
        addresses=Addresses(
            store, ids, clock, limits, tags, transition_delay=delays.eip_transition
        ),
        security_groups=SecurityGroups(store, ids, clock, limits, accounts, tags),
        security_group_rules=SecurityGroupRules(store, ids, clock, limits, accounts),
        limits=limits,
        images=images,
        instances=Instances(
            store,
            ids,
            clock,
            limits,
            catalog,
            tags,
            images,
            delays,
            blocks,
            boots_instances=not isinstance(driver, NoDataplane),
        ),
        network_interfaces=NetworkInterfaces(store, ids, clock, limits, tags, catalog=catalog),
        key_pairs=KeyPairs(store, ids, clock, limits, tags),
        reachability=Reachability(store, accounts),
        ram=ram,
        objects=objects,
        fpga=Fpga(store, ids, clock, limits, objects, ram),
        blocks=blocks,
        disks=disks,
        snapshots=snapshots,
        custom_images=CustomImages(store, ids, clock, catalog, tags, snapshots, disks, delays),
        image_sharing=ImageSharing(store, clock),
        snapshot_policies=SnapshotPolicies(store, ids, clock, snapshots),
        dataplane=dataplane,
    )
    registry = Registry(ACTION_GROUPS)
    authenticator = Authenticator(
        accounts, clock, settings.limits, verify=settings.verify_signatures
    )
    skeleton = RpcSkeleton(registry, authenticator, services)
    return Application(
        build_asgi(
            skeleton,
            settings.limits.max_body_bytes,
            oss=build_oss_asgi(services, verify=settings.verify_signatures),
        ),
        services,
        registry,
        metadata,
        scratch,
    )


def _blocks_root(settings: Settings, scratch: tempfile.TemporaryDirectory[str] | None) -> Path:
    return Path(scratch.name) / "blocks" if scratch is not None else settings.data_dir / "blocks"


def _objects_root(settings: Settings, scratch: tempfile.TemporaryDirectory[str] | None) -> Path:
    return Path(scratch.name) if scratch is not None else settings.data_dir / "oss"


def _state_root(settings: Settings, scratch: tempfile.TemporaryDirectory[str] | None) -> Path:
    return Path(scratch.name) if scratch is not None else settings.data_dir


def _dataplane(
    settings: Settings,
    naming: Naming,
    instances_root: Path,
    metadata: MetadataHub,
    *,
    images: Path,
) -> Dataplane:
    """``--dataplane``: linux when asked, or for ``auto`` when this process may manage
    namespaces (root); otherwise API only."""
    wanted = settings.dataplane
    if wanted == "auto":
        wanted = "linux" if linux_dataplane_possible() else "none"
    if wanted == "none":
        return NoDataplane()
    from ecsim.dataplane.linux.driver import LinuxDataplane, MetadataSink
    from ecsim.dataplane.threaded import ThreadedDataplane

    sink = MetadataSink(metadata.attach, metadata.detach)
    return ThreadedDataplane(lambda: LinuxDataplane(naming, instances_root, sink, images))


def linux_dataplane_possible() -> bool:
    import os
    import shutil

    return os.geteuid() == 0 and all(shutil.which(tool) for tool in ("nsenter", "unshare", "tini"))
