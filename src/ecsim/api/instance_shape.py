"""An instance on the wire: the ``Instance`` item of DescribeInstances and the flattened body
of DescribeInstanceAttribute (reference §3.3, §3.5), every key one the metadata documents.

Keys come in alphabetical order, at every level: footmark copies an item's keys onto its
object in the order they come, and needs ``EipAddress`` before ``PublicIpAddress``
(clients-protocol.md §2); sorted keys give that and stay stable for every other client. The
top level is sorted as it is assembled; the objects inside are written in that order.
"""

from __future__ import annotations

from typing import Any

from ecsim.api.metadata_options import render_metadata_options
from ecsim.api.tagging import render_tags
from ecsim.control.instance_queries import InstanceView
from ecsim.model.network_interface import NetworkInterface
from ecsim.times import format_minutes

__all__ = ["render_instance", "render_instance_attribute"]

# What a burstable (credit) instance shows; other types show nothing.
_CREDIT_SPECIFICATION = "Standard"


def render_instance(view: InstanceView) -> dict[str, Any]:
    """One ``Instances.Instance`` item of DescribeInstances."""
    instance = view.instance
    kind = view.instance_type
    eip = view.eip
    body: dict[str, Any] = {
        **_common(view),
        "AutoReleaseTime": instance.auto_release_time,
        "CpuOptions": {
            "CoreCount": kind.cpu_core_count // 2 if kind and kind.cpu_core_count > 1 else 1,
            "Numa": "",
            "ThreadsPerCore": 2 if kind and kind.cpu_core_count > 1 else 1,
        },
        "DedicatedInstanceAttribute": {"Affinity": "", "Tenancy": ""},
        "DeletionProtection": instance.deletion_protection,
        "DeploymentSetId": "",
        "DeviceAvailable": True,
        "EcsCapacityReservationAttr": {
            "CapacityReservationId": "",
            "CapacityReservationPreference": "",
        },
        "EipAddress": {
            "AllocationId": eip.allocation_id if eip else "",
            "Bandwidth": eip.bandwidth if eip else 0,
            "InternetChargeType": eip.internet_charge_type.value if eip else "",
            "IpAddress": str(eip.address) if eip else "",
            "IsSupportUnassociate": eip is not None,
        },
        "GPUAmount": kind.gpu_amount if kind else 0,
        "GPUSpec": kind.gpu.spec if kind and kind.gpu else "",
        "HibernationOptions": {"Configured": False},
        "HpcClusterId": "",
        "ImageOptions": {"LoginAsNonRoot": False},
        "InstanceTypeFamily": view.family_id,
        "IoOptimized": instance.io_optimized,
        "KeyPairName": instance.key_pair_name,
        "LocalStorageAmount": kind.local_storage.amount if kind and kind.local_storage else 0,
        "LocalStorageCapacity": (
            kind.local_storage.capacity_gib if kind and kind.local_storage else 0
        ),
        "MetadataOptions": render_metadata_options(instance),
        "NetworkInterfaces": {
            "NetworkInterface": [_interface(eni) for eni in view.interfaces],
        },
        "OSName": view.os.os_name,
        "OSNameEn": view.os.os_name_en,
        "OSType": view.os.os_type,
        "OperationLocks": {
            "LockReason": [{"LockMsg": "", "LockReason": reason} for reason in instance.locks]
        },
        "RdmaIpAddress": {"IpAddress": []},
        "Recyclable": False,
        "ResourceGroupId": instance.resource_group_id,
        "SaleCycle": "",
        "SpotDuration": 0,
        "SpotInterruptionBehavior": "Terminate",
        "SpotPriceLimit": 0.0,
        "SpotStrategy": instance.spot_strategy,
        "StartTime": format_minutes(instance.started_at) if instance.started_at else "",
        "Tags": render_tags(view.tags),
    }
    return _sorted(body)


def render_instance_attribute(view: InstanceView) -> dict[str, Any]:
    """The body of DescribeInstanceAttribute (IoOptimized is a word there)."""
    instance = view.instance
    eip = view.eip
    body: dict[str, Any] = {
        **_common(view),
        "DedicatedHostAttribute": {"DedicatedHostId": "", "DedicatedHostName": ""},
        "EipAddress": {
            "AllocationId": eip.allocation_id if eip else "",
            "Bandwidth": eip.bandwidth if eip else 0,
            "InternetChargeType": eip.internet_charge_type.value if eip else "",
            "IpAddress": str(eip.address) if eip else "",
        },
        "EnableJumboFrame": False,
        "IoOptimized": "optimized" if instance.io_optimized else "none",
        "OperationLocks": {"LockReason": [{"LockReason": reason} for reason in instance.locks]},
    }
    return _sorted(body)


def _common(view: InstanceView) -> dict[str, Any]:
    """The keys both shapes carry alike."""
    instance = view.instance
    kind = view.instance_type
    burstable = kind is not None and kind.credit is not None
    return {
        "ClusterId": "",
        "Cpu": kind.cpu_core_count if kind else 0,
        "CreationTime": format_minutes(instance.created_at),
        "CreditSpecification": _CREDIT_SPECIFICATION if burstable else "",
        "Description": instance.description,
        "ExpiredTime": format_minutes(view.expires_at),
        "HostName": instance.host_name,
        "ImageId": instance.image_id,
        "InnerIpAddress": {"IpAddress": list(view.inner_ips)},
        "InstanceChargeType": instance.instance_charge_type,
        "InstanceId": instance.instance_id,
        "InstanceName": instance.name,
        "InstanceNetworkType": instance.network_type.value,
        "InstanceType": instance.instance_type,
        "InternetChargeType": instance.internet_charge_type,
        "InternetMaxBandwidthIn": instance.internet_max_bandwidth_in,
        "InternetMaxBandwidthOut": instance.internet_max_bandwidth_out,
        "Memory": round(kind.memory_gib * 1024) if kind else 0,
        "PublicIpAddress": {"IpAddress": [instance.public_ip] if instance.public_ip else []},
        "RegionId": instance.region_id,
        "SecurityGroupIds": {"SecurityGroupId": list(view.security_group_ids)},
        "SerialNumber": instance.serial_number,
        "Status": view.status.value,
        "StoppedMode": instance.stopped_mode,
        "VlanId": "",
        "VpcAttributes": {
            "NatIpAddress": "",
            "PrivateIpAddress": {"IpAddress": list(view.private_ips)},
            "VSwitchId": instance.vswitch_id or "",
            "VpcId": instance.vpc_id or "",
        },
        "ZoneId": instance.zone_id,
    }


def _interface(eni: NetworkInterface) -> dict[str, Any]:
    address = str(eni.primary_ip)
    return {
        "Ipv4PrefixSets": {"Ipv4PrefixSet": []},
        "Ipv6PrefixSets": {"Ipv6PrefixSet": []},
        "Ipv6Sets": {"Ipv6Set": []},
        "MacAddress": eni.mac_address,
        "NetworkInterfaceId": eni.eni_id,
        "PrimaryIpAddress": address,
        "PrivateIpSets": {"PrivateIpSet": [{"Primary": True, "PrivateIpAddress": address}]},
        "Type": "Primary" if eni.primary else "Secondary",
    }


def _sorted(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with its keys in alphabetical order (the objects inside it are written so)."""
    return {key: body[key] for key in sorted(body)}
