"""Instances: launch, the lifecycle state machine (start, stop, reboot, release), one at a
time and in batches.

Launch is ``control.instance_launch``; the state machine is ``control.instance_lifecycle``.
Releasing an instance takes its primary network interface with it (the private address, the
public address and the tags go too, and an EIP bound to it is Available again); a secondary
interface is detached and stays.

Batches (StartInstances, StopInstances, RebootInstances) follow BatchOptimization:
``AllTogether`` (the default) changes every instance or none and fails with the first refusal;
``SuccessFirst`` changes those it can and reports each refusal in that instance's outcome.
DeleteInstances is always all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ecsim.clock import Clock
from ecsim.control.addresses import Addresses
from ecsim.control.catalog import Catalog
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.images import Images
from ecsim.control.instance_disks import InstanceDisks
from ecsim.control.instance_launch import Launcher, free_public_ip
from ecsim.control.instance_lifecycle import check_deletable, rebooted, started, stopped
from ecsim.control.private_addresses import PrivateAddresses
from ecsim.control.repositories import NetworkInterfaceRepository
from ecsim.control.tags import Tags
from ecsim.delays import Delays
from ecsim.errors import EcsError
from ecsim.ids import IdFactory
from ecsim.model.instance import Instance, InstanceStatus
from ecsim.model.instance_spec import LaunchMode, LaunchSpec
from ecsim.settings import Limits
from ecsim.storage import BlockStore
from ecsim.store.base import Store
from ecsim.store.codecs import instances as instance_codec
from ecsim.store.codecs import network_interfaces as eni_codec

__all__ = ["Instances", "Outcome", "Transition"]


@dataclass(frozen=True)
class Transition:
    """An operation's effect: the status before it, and the one it moved the instance to."""

    instance_id: str
    previous: InstanceStatus
    current: InstanceStatus


@dataclass(frozen=True)
class Outcome:
    """One instance of a SuccessFirst batch: its transition, or why it was refused."""

    instance_id: str
    transition: Transition | None = None
    error: EcsError | None = None


# an operation on one instance at ``now``: the instance with its new plan
_Step = Callable[[Instance], Instance]


class Instances:
    def __init__(
        self,
        store: Store,
        ids: IdFactory,
        clock: Clock,
        limits: Limits,
        catalog: Catalog,
        tags: Tags,
        images: Images,
        delays: Delays,
        blocks: BlockStore,
        *,
        boots_instances: bool = False,
    ) -> None:
        self._store = store
        self._clock = clock
        self._tags = tags
        self._delays = delays
        self._disks = InstanceDisks(store, ids, tags, blocks)
        self._launcher = Launcher(
            store,
            ids,
            clock,
            limits,
            catalog,
            tags,
            images,
            delays,
            self._disks,
            boots_instances=boots_instances,
        )
        self._instances = InstanceRepository(store)
        self._interfaces = NetworkInterfaceRepository(store)
        self._private_addresses = PrivateAddresses(store)
        # only its interface bookkeeping is used here: freeing an EIP whose interface goes
        self._eips = Addresses(store, ids, clock, limits, tags)

    # -- launch

    def run(
        self,
        account_id: str,
        region_id: str,
        spec: LaunchSpec,
        *,
        amount: int = 1,
        min_amount: int | None = None,
    ) -> list[Instance]:
        """RunInstances: the instances end Running."""
        return self._launcher.launch(
            account_id, region_id, spec, LaunchMode.RUN, amount=amount, min_amount=min_amount
        )

    def create(self, account_id: str, region_id: str, spec: LaunchSpec) -> Instance:
        """CreateInstance: the instance ends Stopped."""
        (instance,) = self._launcher.launch(account_id, region_id, spec, LaunchMode.CREATE)
        return instance

    def get(self, account_id: str, instance_id: str, region_id: str | None = None) -> Instance:
        return self._instances.get(account_id, instance_id, region_id)

    # -- the state machine, one instance

    def start(self, account_id: str, region_id: str | None, instance_id: str) -> Transition:
        return self._apply(account_id, region_id, instance_id, self._starter())

    def stop(
        self,
        account_id: str,
        region_id: str | None,
        instance_id: str,
        *,
        stopped_mode: str | None = None,
        force: bool = False,
    ) -> Transition:
        # ForceStop changes how the guest is stopped, not what the API shows.
        step = self._stopper(stopped_mode, force)
        return self._apply(account_id, region_id, instance_id, step)

    def reboot(
        self, account_id: str, region_id: str | None, instance_id: str, *, force: bool = False
    ) -> Transition:
        return self._apply(account_id, region_id, instance_id, self._rebooter(force))

    def delete(
        self, account_id: str, region_id: str | None, instance_id: str, *, force: bool = False
    ) -> None:
        self.delete_many(account_id, region_id, [instance_id], force=force)

    # -- batches

    def start_many(
        self, account_id: str, region_id: str, instance_ids: Sequence[str], *, all_together: bool
    ) -> list[Outcome]:
        return self._batch(account_id, region_id, instance_ids, self._starter(), all_together)

    def stop_many(
        self,
        account_id: str,
        region_id: str,
        instance_ids: Sequence[str],
        *,
        all_together: bool,
        stopped_mode: str | None = None,
        force: bool = False,
    ) -> list[Outcome]:
        step = self._stopper(stopped_mode, force)
        return self._batch(account_id, region_id, instance_ids, step, all_together)

    def reboot_many(
        self,
        account_id: str,
        region_id: str,
        instance_ids: Sequence[str],
        *,
        all_together: bool,
        force: bool = False,
    ) -> list[Outcome]:
        step = self._rebooter(force)
        return self._batch(account_id, region_id, instance_ids, step, all_together)

    def delete_many(
        self,
        account_id: str,
        region_id: str | None,
        instance_ids: Sequence[str],
        *,
        force: bool = False,
    ) -> None:
        """Release every instance, or none: all are checked before any goes."""
        now = self._clock.now()
        freed: list[str] = []
        with self._store.transaction():
            doomed = [self.get(account_id, i, region_id) for i in dict.fromkeys(instance_ids)]
            for instance in doomed:
                check_deletable(instance, now, force=force)
            for instance in doomed:
                freed += self._release(instance, now)
        # once the records are gone for good: an image is the one thing a rollback cannot restore
        self._disks.drop_images(freed)

    # -- helpers

    def _starter(self) -> _Step:
        step = self._delays.instance_step
        return lambda instance: started(instance, self._clock.now(), step)

    def _stopper(self, stopped_mode: str | None, force: bool = False) -> _Step:
        step = self._delays.instance_step
        return lambda instance: stopped(
            instance, self._clock.now(), step, stopped_mode, force=force
        )

    def _rebooter(self, force: bool = False) -> _Step:
        step = self._delays.instance_step
        return lambda instance: rebooted(instance, self._clock.now(), step, force=force)

    def _apply(
        self, account_id: str, region_id: str | None, instance_id: str, step: _Step
    ) -> Transition:
        with self._store.transaction():
            return self._change(self.get(account_id, instance_id, region_id), step)

    def _change(self, instance: Instance, step: _Step) -> Transition:
        now = self._clock.now()
        previous = instance.status_at(now)
        changed = step(instance)
        self._instances.save(changed)
        return Transition(instance.instance_id, previous, _entered(changed, now))

    def _batch(
        self,
        account_id: str,
        region_id: str,
        instance_ids: Sequence[str],
        step: _Step,
        all_together: bool,
    ) -> list[Outcome]:
        outcomes: list[Outcome] = []
        with self._store.transaction():
            for instance_id in dict.fromkeys(instance_ids):
                try:
                    instance = self.get(account_id, instance_id, region_id)
                    outcomes.append(Outcome(instance_id, self._change(instance, step)))
                except EcsError as error:
                    if all_together:
                        raise
                    outcomes.append(Outcome(instance_id, error=error))
        return outcomes

    def _release(self, instance: Instance, now: datetime) -> list[str]:
        for eni in self._interfaces.owned_by(instance.account_id, instance.region_id):
            if eni.instance_id != instance.instance_id:
                continue
            if eni.eni_id != instance.primary_eni_id:
                self._interfaces.save(replace(eni, instance_id=None))
                continue
            self._private_addresses.release(eni.vswitch_id, eni.region_id, eni.primary_ip)
            self._eips.forget_interface(eni.account_id, eni.region_id, eni.eni_id)
            self._store.delete_resource(eni_codec.KIND, eni.eni_id)
            self._tags.forget(eni_codec.KIND, eni.eni_id)
        if instance.public_ip:
            free_public_ip(self._store, instance.public_ip)
        self._instances.delete(instance.instance_id)
        self._tags.forget(instance_codec.KIND, instance.instance_id)
        return self._disks.release(instance, now)


def _entered(instance: Instance, now: datetime) -> InstanceStatus:
    """The status an operation moved ``instance`` into: its first planned step (Starting,
    Stopping), as ECS reports it, even when the plan completes at once."""
    return instance.scheduled[0].status if instance.scheduled else instance.status_at(now)
