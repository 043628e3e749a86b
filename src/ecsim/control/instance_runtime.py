"""What the data plane knows of a running instance, for the API: its console output
(GetInstanceConsoleOutput) and its init process and namespace (ecsim's DescribeInstanceRuntime,
which ``ecsim exec`` uses to enter it).

Without a data plane (``--dataplane none``) no instance runs anywhere: consoles are empty and
every runtime is refused as not running.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.error_builders import fixed
from ecsim.control.instance_lifecycle import incorrect_status
from ecsim.control.instance_queries import OsInfo
from ecsim.dataplane.driver import InstanceRuntime
from ecsim.model.instance import Instance
from ecsim.store.base import Store

__all__ = ["ConsoleOutput", "InstanceRuntimes", "RuntimeSource", "without_symbols"]

# ECS keeps no console for Windows instances (GetInstanceConsoleOutput's NotSupported)
_windows_console = fixed(
    "The specified instance is a Windows instance, whose console output is not supported.",
    code="NotSupported",
    http_status=405,
)

# Terminal escape sequences: CSI (colours, cursor moves; one cut short at the end of the
# kept output has no final byte), OSC (titles, ended by BEL or ST) and the two-byte escapes.
# Then every control byte but tab and newline.
_ESCAPES = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[0-Z\\-~])")
_CONTROLS = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]")


def without_symbols(raw: bytes) -> bytes:
    """Console text without its layout symbols (RemoveSymbols=true): escape sequences and
    control characters go, line breaks become plain newlines."""
    text = raw.replace(b"\r\n", b"\n")
    return _CONTROLS.sub(b"", _ESCAPES.sub(b"", text))


class RuntimeSource(Protocol):
    """The data plane as seen from here (``DataplaneSync``)."""

    def runtime(self, instance_id: str) -> InstanceRuntime | None: ...

    def console_output(self, instance_id: str) -> bytes: ...


@dataclass(frozen=True)
class ConsoleOutput:
    instance_id: str
    output: bytes
    # when the console last changed as far as ecsim knows: the instance's last start
    updated_at: datetime


class InstanceRuntimes:
    def __init__(
        self, store: Store, dataplane: RuntimeSource, os_of: Callable[[Instance], OsInfo]
    ) -> None:
        self._instances = InstanceRepository(store)
        self._dataplane = dataplane
        self._os_of = os_of

    def console(
        self, account_id: str, region_id: str, instance_id: str, *, remove_symbols: bool = False
    ) -> ConsoleOutput:
        instance = self._instances.get(account_id, instance_id, region_id)
        if self._os_of(instance).windows:
            raise _windows_console()
        output = self._dataplane.console_output(instance.instance_id)
        if remove_symbols:
            output = without_symbols(output)
        return ConsoleOutput(
            instance.instance_id, output, instance.started_at or instance.created_at
        )

    def runtime(self, account_id: str, instance_id: str) -> InstanceRuntime:
        """The caller's instance's init process; IncorrectInstanceStatus when it is not
        running in the data plane (stopped, still starting, or no data plane at all)."""
        instance = self._instances.get(account_id, instance_id)
        found = self._dataplane.runtime(instance.instance_id)
        if found is None:
            raise incorrect_status()
        return found
