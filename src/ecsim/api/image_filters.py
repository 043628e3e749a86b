"""DescribeImages' filters, wire values to model values: the comma list of ``Status``
(``ALL`` for every status), OS types, architectures (narrowed by ``InstanceType``) and the
``Filter.N`` creation window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ecsim.control.error_builders import fixed
from ecsim.errors import InvalidParameter
from ecsim.model.image import Architecture, ImageStatus, OSType
from ecsim.services import Services

__all__ = ["architectures", "creation_window", "os_type", "statuses"]

_STATUSES = {status.value.lower(): status for status in ImageStatus}
_FILTER_KEYS = ("CreationStartTime", "CreationEndTime")
# Filter.N.Value, as documented: yyyy-MM-ddTHH:mmZ (UTC)
_FILTER_TIME = "%Y-%m-%dT%H:%MZ"

_invalid_os_type = fixed(
    "The specified OSType is not valid.", code="InvalidOSType", http_status=404
)
_invalid_architecture = fixed(
    "The specified Architecture is not valid.", code="InvalidArchitecture", http_status=404
)
_invalid_instance_type = fixed(
    "The specified InstanceType does not exist or beyond the permitted range.",
    code="InvalidInstanceType.ValueNotSupported",
    http_status=400,
)
_invalid_filter_key = fixed(
    "The specified Filter Key is not found.", code="InvalidFilterKey.NotFound", http_status=404
)
_invalid_filter_value = fixed(
    "The specified Filter Value is not valid.", code="InvalidFilterValue", http_status=404
)

# -- wire values -> model values -------------------------------------------------------------


def statuses(text: str | None) -> frozenset[ImageStatus] | None:
    """The Status filter: a comma list, ``ALL`` for every status, Available when absent."""
    if text is None:
        return frozenset({ImageStatus.AVAILABLE})
    wanted: set[ImageStatus] = set()
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        if part.lower() == "all":
            return None
        status = _STATUSES.get(part.lower())
        if status is None:
            raise InvalidParameter("Status", f"Valid values: {', '.join(_STATUSES)}, ALL.")
        wanted.add(status)
    return frozenset(wanted) if wanted else frozenset({ImageStatus.AVAILABLE})


def os_type(text: str | None) -> OSType | None:
    if text is None:
        return None
    try:
        return OSType(text.lower())
    except ValueError:
        raise _invalid_os_type() from None


def architectures(params: dict[str, Any], services: Services) -> frozenset[Architecture] | None:
    """The Architecture filter, narrowed to what the InstanceType filter's processor boots."""
    chosen: frozenset[Architecture] | None = None
    text = params.get("Architecture")
    if text is not None:
        try:
            chosen = frozenset({Architecture(text.lower())})
        except ValueError:
            raise _invalid_architecture() from None
    type_id = params.get("InstanceType")
    if type_id is not None:
        instance_type = services.catalog.instance_type(type_id)
        if instance_type is None:
            raise _invalid_instance_type()
        booted = Architecture.for_processor(instance_type.processor.architecture)
        chosen = booted if chosen is None else chosen & booted
    return chosen


def creation_window(
    filters: list[dict[str, Any]],
) -> tuple[datetime | None, datetime | None]:
    start: datetime | None = None
    end: datetime | None = None
    for item in filters:
        key, value = item.get("Key"), item.get("Value")
        if key is None and value is None:
            continue
        if key not in _FILTER_KEYS:
            raise _invalid_filter_key()
        try:
            moment = datetime.strptime(value or "", _FILTER_TIME).replace(tzinfo=UTC)
        except ValueError:
            raise _invalid_filter_value() from None
        if key == "CreationStartTime":
            start = moment
        else:
            end = moment
    return start, end
