"""Instances: what they are, and the lifecycle ECS gives them (reference §3.1).

``Pending -> Starting -> Running <-> Stopping -> Stopped``. Transitions take time (none by
default, about as long as the cloud with --realistic-delays): an instance carries the
transitions still due (``scheduled``) and its status at any moment is read with ``status_at``,
so clients polling DescribeInstances see each state in turn.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

__all__ = ["Instance", "InstanceNetworkType", "InstanceStatus", "ScheduledStatus"]


class InstanceStatus(Enum):
    PENDING = "Pending"
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


class InstanceNetworkType(Enum):
    VPC = "vpc"
    CLASSIC = "classic"


@dataclass(frozen=True)
class ScheduledStatus:
    status: InstanceStatus
    at: datetime


@dataclass(frozen=True)
class Instance:
    instance_id: str
    account_id: str
    region_id: str
    zone_id: str
    instance_type: str
    image_id: str
    name: str
    description: str
    host_name: str
    network_type: InstanceNetworkType
    # None on the classic network
    vpc_id: str | None
    vswitch_id: str | None
    # the primary network interface (its groups are the instance's groups)
    primary_eni_id: str
    # the status reached so far, and the transitions still to come, in order
    status: InstanceStatus
    scheduled: tuple[ScheduledStatus, ...]
    created_at: datetime
    started_at: datetime | None = None
    # as given (base64); "" when none
    user_data: str = ""
    # never rendered; the data plane sets it in the instance
    password: str = ""
    key_pair_name: str = ""
    internet_max_bandwidth_out: int = 0
    internet_max_bandwidth_in: int = 200
    internet_charge_type: str = "PayByTraffic"
    instance_charge_type: str = "PostPaid"
    spot_strategy: str = "NoSpot"
    io_optimized: bool = True
    # a public address from AllocatePublicIpAddress or RunInstances with bandwidth; "" if none
    public_ip: str = ""
    stopped_mode: str = "Not-applicable"
    deletion_protection: bool = False
    resource_group_id: str = ""
    system_disk_category: str = "cloud_efficiency"
    system_disk_size: int = 40
    serial_number: str = ""
    auto_release_time: str = ""
    # OperationLocks: lock reasons such as "security"
    locks: tuple[str, ...] = ()
    # the last stop (or reboot) was forced: the data plane kills the guest rather than
    # asking it to shut down (ForceStop)
    force_stop: bool = False
    # MetadataOptions: whether the metadata service answers the instance at all, and whether
    # it asks for a token first (IMDSv2 hardened mode)
    http_endpoint: str = "enabled"
    http_tokens: str = "optional"
    http_put_response_hop_limit: int = 1

    def status_at(self, now: datetime) -> InstanceStatus:
        status = self.status
        for step in self.scheduled:
            if step.at > now:
                break
            status = step.status
        return status

    def settled(self, now: datetime) -> Instance:
        """The same instance with the transitions due by ``now`` applied."""
        due = [step for step in self.scheduled if step.at <= now]
        if not due:
            return self
        return replace(self, status=due[-1].status, scheduled=self.scheduled[len(due) :])

    def scheduling(self, now: datetime, *steps: ScheduledStatus) -> Instance:
        """Settle what is due, then plan ``steps`` (replacing any plan still pending)."""
        current = self.settled(now)
        return replace(current, scheduled=tuple(steps))
