"""Loading and saving instances and key pairs, with the NotFound errors ECS gives.

Shared by the compute use cases (instances, network interfaces, key pairs, EIPs, the
reachability analyzer) so each lookup is written once.
"""

from __future__ import annotations

from ecsim.control.error_builders import fixed
from ecsim.control.resource_repository import ResourceRepository
from ecsim.model.instance import Instance
from ecsim.model.key_pair import KeyPair
from ecsim.store.base import Store
from ecsim.store.codecs import instances as instance_codec
from ecsim.store.codecs import key_pairs as key_pair_codec

__all__ = [
    "InstanceRepository",
    "KeyPairRepository",
    "instance_not_found",
    "key_pair_not_found",
]

instance_not_found = fixed(
    "The specified InstanceId does not exist.",
    code="InvalidInstanceId.NotFound",
    http_status=404,
)
key_pair_not_found = fixed(
    "The specified KeyPairName does not exist in our records.",
    code="InvalidKeyPairName.NotFound",
    http_status=404,
)


class InstanceRepository(ResourceRepository[Instance]):
    def __init__(self, store: Store) -> None:
        super().__init__(
            store,
            instance_codec.KIND,
            instance_codec.encode_instance,
            instance_codec.decode_instance,
            instance_not_found,
        )


class KeyPairRepository(ResourceRepository[KeyPair]):
    """Key pairs are found by (account, region, name): their names are the API's ids."""

    def __init__(self, store: Store) -> None:
        super().__init__(
            store,
            key_pair_codec.KIND,
            key_pair_codec.encode_key_pair,
            key_pair_codec.decode_key_pair,
            key_pair_not_found,
        )

    def named(self, account_id: str, region_id: str, name: str) -> KeyPair | None:
        return self.find(key_pair_codec.record_id(account_id, region_id, name))

    def remove(self, key_pair: KeyPair) -> None:
        self.delete(
            key_pair_codec.record_id(key_pair.account_id, key_pair.region_id, key_pair.name)
        )
