"""The use-case services handlers call, wired once by ``app.build_app``.

A plain record of collaborators, not a base class: each service is built with what it needs
and knows nothing of the others unless given them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecsim.clock import Clock
from ecsim.control.accounts import Accounts
from ecsim.control.addresses import Addresses
from ecsim.control.catalog import Catalog
from ecsim.control.custom_images import CustomImages
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
from ecsim.control.snapshot_policies import SnapshotPolicies
from ecsim.control.snapshots import Snapshots
from ecsim.control.tags import Tags
from ecsim.ids import IdFactory
from ecsim.settings import Limits
from ecsim.storage import BlockStore
from ecsim.store.base import Store

__all__ = ["Services"]


@dataclass(frozen=True)
class Services:
    store: Store
    clock: Clock
    ids: IdFactory
    accounts: Accounts
    catalog: Catalog
    client_tokens: ClientTokens
    tags: Tags
    networks: Networks
    addresses: Addresses
    security_groups: SecurityGroups
    security_group_rules: SecurityGroupRules
    limits: Limits
    images: Images
    instances: Instances
    network_interfaces: NetworkInterfaces
    key_pairs: KeyPairs
    reachability: Reachability
    ram: Ram
    objects: ObjectStorage
    fpga: Fpga
    blocks: BlockStore
    disks: Disks
    snapshots: Snapshots
    custom_images: CustomImages
    image_sharing: ImageSharing
    snapshot_policies: SnapshotPolicies
    dataplane: DataplaneSync
