"""Which key pair an instance holds: AttachKeyPair and DetachKeyPair, instance by instance.

An instance holds at most one key pair (``Instance.key_pair_name``); attaching another
replaces it. The answer is per instance: an instance that does not exist (for the caller, in
the region), or is in a state that cannot change its key (Pending, Starting, Stopping), is a
failed entry while the others go ahead. A Windows or non-I/O-optimized instance fails the
whole call before anything changes, as ECS documents those codes for the call itself.
Detaching a key pair from an instance that does not hold it succeeds and changes nothing: the
instance ends as asked, without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ecsim.clock import Clock
from ecsim.control.compute_repositories import InstanceRepository, instance_not_found
from ecsim.control.error_builders import fixed
from ecsim.control.images import Images
from ecsim.control.instance_lifecycle import SETTLED, incorrect_status
from ecsim.errors import EcsError
from ecsim.model.instance import Instance
from ecsim.store.base import Store

__all__ = ["MAX_BOUND_INSTANCES", "InstanceOutcome", "KeyPairBindings"]

# AttachKeyPair / DetachKeyPair take at most this many instances.
MAX_BOUND_INSTANCES = 50

_bad_instance_ids = fixed(
    "The specified parameter InstanceIds is not valid.",
    code="InvalidInstanceIds.ValueNotSupported",
    http_status=400,
)
_too_many_instances = fixed(
    "The specified instances are beyond the permitted range.",
    code="InstanceKeyPairLimitExceeded",
    http_status=403,
)
_windows_instance = fixed(
    "The instance creating is windows, cannot use ssh key pair to login",
    code="DependencyViolation.WindowsInstance",
    http_status=403,
)
_not_io_optimized = fixed(
    "The specified parameter InstanceIds is not valid.",
    code="DependencyViolation.IoOptimize",
    http_status=400,
)


@dataclass(frozen=True)
class InstanceOutcome:
    """One instance's entry in an attach or detach result: ``error`` is None on success."""

    instance_id: str
    error: EcsError | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


class KeyPairBindings:
    def __init__(self, store: Store, clock: Clock, images: Images) -> None:
        self._clock = clock
        self._images = images
        self._instances = InstanceRepository(store)

    def attach(
        self, account_id: str, region_id: str, name: str, instance_ids: Sequence[str]
    ) -> list[InstanceOutcome]:
        return self._rebind(account_id, region_id, instance_ids, attach=name)

    def detach(
        self, account_id: str, region_id: str, name: str, instance_ids: Sequence[str]
    ) -> list[InstanceOutcome]:
        return self._rebind(account_id, region_id, instance_ids, detach=name)

    def holders(self, account_id: str, region_id: str) -> set[str]:
        """The names of the key pairs the account's instances in the region hold."""
        return {
            instance.key_pair_name
            for instance in self._instances.owned_by(account_id, region_id)
            if instance.key_pair_name
        }

    # -- helpers

    def _rebind(
        self,
        account_id: str,
        region_id: str,
        instance_ids: Sequence[str],
        *,
        attach: str | None = None,
        detach: str | None = None,
    ) -> list[InstanceOutcome]:
        wanted = list(dict.fromkeys(instance_ids))
        if not wanted or any(not instance_id for instance_id in wanted):
            raise _bad_instance_ids()
        if len(wanted) > MAX_BOUND_INSTANCES:
            raise _too_many_instances()
        found = {
            instance_id: instance
            for instance_id in wanted
            if (instance := self._owned(account_id, region_id, instance_id)) is not None
        }
        # the refusals that fail the whole call come first, so nothing is half-done
        if any(self._is_windows(instance) for instance in found.values()):
            raise _windows_instance()
        if any(not instance.io_optimized for instance in found.values()):
            raise _not_io_optimized()
        now = self._clock.now()
        outcomes: list[InstanceOutcome] = []
        for instance_id in wanted:
            instance = found.get(instance_id)
            if instance is None:
                outcomes.append(InstanceOutcome(instance_id, instance_not_found()))
            # only a Running or Stopped instance takes or drops a key pair
            elif instance.status_at(now) not in SETTLED:
                outcomes.append(InstanceOutcome(instance_id, incorrect_status()))
            else:
                self._set_key(instance, attach=attach, detach=detach)
                outcomes.append(InstanceOutcome(instance_id))
        return outcomes

    def _set_key(self, instance: Instance, *, attach: str | None, detach: str | None) -> None:
        if attach is not None and instance.key_pair_name != attach:
            self._instances.save(replace(instance, key_pair_name=attach))
        elif detach is not None and instance.key_pair_name == detach:
            self._instances.save(replace(instance, key_pair_name=""))

    def _owned(self, account_id: str, region_id: str, instance_id: str) -> Instance | None:
        instance = self._instances.find(instance_id)
        if instance is None or instance.account_id != account_id or instance.region_id != region_id:
            return None
        return instance

    def _is_windows(self, instance: Instance) -> bool:
        return self._images.is_windows(
            instance.region_id, instance.image_id, account_id=instance.account_id
        )
