"""The instance-runtime use cases on an in-memory store: the console (GetInstanceConsoleOutput)
and the runtime (DescribeInstanceRuntime) over a fake data plane, the metadata options
(ModifyInstanceMetadataOptions), and how the options are stored."""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ecsim.clock import FrozenClock
from ecsim.control.compute_repositories import InstanceRepository
from ecsim.control.dataplane_plan import PlanBuilder
from ecsim.control.instance_attributes import InstanceAttributes, MetadataOptionChanges
from ecsim.control.instance_queries import OsInfo, os_from_image_id
from ecsim.control.instance_runtime import InstanceRuntimes, without_symbols
from ecsim.control.network_repositories import VpcRepository, VSwitchRepository
from ecsim.dataplane.driver import InstanceRuntime
from ecsim.dataplane.plan import InstancePlan, Naming
from ecsim.errors import EcsError
from ecsim.model.instance import Instance, InstanceStatus
from ecsim.model.network import Vpc, VSwitch
from ecsim.settings import ROOT_ACCOUNT_ID, ROOT_ACCOUNT_NAME, Limits
from ecsim.storage import FakeBlockStore
from ecsim.store.base import AccountRecord
from ecsim.store.codecs import instances as instance_codec
from ecsim.store.sqlite import SqliteStore
from ecsim.times import format_beijing_seconds
from tests.unit.compute_world import ACCOUNT, OTHER, REGION, WINDOWS, an_instance, save_instance

STARTED = datetime(2024, 3, 1, 20, 30, 15, tzinfo=UTC)


class FakeDataplane:
    """Runs what ``running`` names; each console holds what ``consoles`` says."""

    def __init__(self) -> None:
        self.running: dict[str, InstanceRuntime] = {}
        self.consoles: dict[str, bytes] = {}

    def runtime(self, instance_id: str) -> InstanceRuntime | None:
        return self.running.get(instance_id)

    def console_output(self, instance_id: str) -> bytes:
        return self.consoles.get(instance_id, b"")


def _os_of(instance: Instance) -> OsInfo:
    return os_from_image_id(instance.image_id)


@pytest.fixture
def dataplane() -> FakeDataplane:
    return FakeDataplane()


@pytest.fixture
def runtimes(store: SqliteStore, dataplane: FakeDataplane) -> InstanceRuntimes:
    return InstanceRuntimes(store, dataplane, _os_of)


def _code(error: pytest.ExceptionInfo[EcsError]) -> tuple[str, int]:
    return error.value.code, error.value.http_status


# -- console ----------------------------------------------------------------------------------


def test_console_is_what_init_printed_with_the_last_start(
    store: SqliteStore, clock: FrozenClock, runtimes: InstanceRuntimes, dataplane: FakeDataplane
) -> None:
    save_instance(store, clock, "i-web", started_at=STARTED)
    dataplane.consoles["i-web"] = b"\x1b[32m[  OK  ]\x1b[0m Started\r\nlogin: "
    console = runtimes.console(ACCOUNT, REGION, "i-web")
    assert (console.instance_id, console.updated_at) == ("i-web", STARTED)
    assert console.output == b"\x1b[32m[  OK  ]\x1b[0m Started\r\nlogin: "
    plain = runtimes.console(ACCOUNT, REGION, "i-web", remove_symbols=True)
    assert plain.output == b"[  OK  ] Started\nlogin: "


def test_console_of_an_instance_never_started_is_empty_since_its_creation(
    store: SqliteStore, clock: FrozenClock, runtimes: InstanceRuntimes
) -> None:
    created = save_instance(store, clock, "i-new", started_at=None)
    console = runtimes.console(ACCOUNT, REGION, "i-new")
    assert (console.output, console.updated_at) == (b"", created.created_at)


def test_console_refusals(
    store: SqliteStore, clock: FrozenClock, runtimes: InstanceRuntimes
) -> None:
    save_instance(store, clock, "i-web")
    save_instance(store, clock, "i-win", octet=11, image_id=WINDOWS)
    save_instance(store, clock, "i-theirs", octet=12, account=OTHER)
    for account, region, instance_id in (
        (ACCOUNT, REGION, "i-missing"),
        (ACCOUNT, "cn-qingdao", "i-web"),
        (ACCOUNT, REGION, "i-theirs"),
    ):
        with pytest.raises(EcsError) as caught:
            runtimes.console(account, region, instance_id)
        assert _code(caught) == ("InvalidInstanceId.NotFound", 404)
    with pytest.raises(EcsError) as caught:
        runtimes.console(ACCOUNT, REGION, "i-win")
    assert _code(caught) == ("NotSupported", 405)


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        (b"plain text\n", b"plain text\n"),
        (b"tab\there\r\nnext", b"tab\there\nnext"),
        (b"\x1b[1;31mred\x1b[0m", b"red"),
        (b"\x1b]0;title\x07after", b"after"),
        (b"\x1b]0;title\x1b\\after", b"after"),
        (b"\x1bcreset", b"reset"),
        (b"bell\x07 back\x08space \x00nul\x7f", b"bell backspace nul"),
        (b"progress 10%\rprogress 99%\n", b"progress 10%progress 99%\n"),
        (b"\x1b[", b""),
        ("utf-8 ✓ 中文\n".encode(), "utf-8 ✓ 中文\n".encode()),
    ],
)
def test_without_symbols(raw: bytes, plain: bytes) -> None:
    assert without_symbols(raw) == plain


def test_beijing_time() -> None:
    assert format_beijing_seconds(STARTED) == "2024-03-02 04:30:15"


# -- runtime ----------------------------------------------------------------------------------


def test_runtime_of_a_running_instance(
    store: SqliteStore, clock: FrozenClock, runtimes: InstanceRuntimes, dataplane: FakeDataplane
) -> None:
    save_instance(store, clock, "i-web")
    dataplane.running["i-web"] = InstanceRuntime("i-web", 4242, "ecsim-abc-i-web")
    assert runtimes.runtime(ACCOUNT, "i-web") == InstanceRuntime("i-web", 4242, "ecsim-abc-i-web")


def test_runtime_refusals(
    store: SqliteStore, clock: FrozenClock, runtimes: InstanceRuntimes, dataplane: FakeDataplane
) -> None:
    save_instance(store, clock, "i-stopped")
    save_instance(store, clock, "i-theirs", octet=12, account=OTHER)
    dataplane.running["i-theirs"] = InstanceRuntime("i-theirs", 7, "ns")
    with pytest.raises(EcsError) as caught:
        runtimes.runtime(ACCOUNT, "i-stopped")
    assert _code(caught) == ("IncorrectInstanceStatus", 403)
    for instance_id in ("i-missing", "i-theirs"):
        with pytest.raises(EcsError) as caught:
            runtimes.runtime(ACCOUNT, instance_id)
        assert _code(caught) == ("InvalidInstanceId.NotFound", 404)


# -- metadata options -------------------------------------------------------------------------


@pytest.fixture
def attributes(store: SqliteStore, clock: FrozenClock) -> InstanceAttributes:
    return InstanceAttributes(store, clock, Limits(), _os_of)


def test_modify_metadata_options_changes_only_what_is_given(
    store: SqliteStore, clock: FrozenClock, attributes: InstanceAttributes
) -> None:
    save_instance(store, clock, "i-web")
    attributes.modify_metadata_options(
        ACCOUNT, REGION, "i-web", MetadataOptionChanges("enabled", "required", 3)
    )
    attributes.modify_metadata_options(
        ACCOUNT, REGION, "i-web", MetadataOptionChanges(http_endpoint="disabled")
    )
    stored = InstanceRepository(store).get(ACCOUNT, "i-web")
    assert (
        stored.http_endpoint,
        stored.http_tokens,
        stored.http_put_response_hop_limit,
    ) == ("disabled", "required", 3)


def test_modify_metadata_options_refusals(
    store: SqliteStore, clock: FrozenClock, attributes: InstanceAttributes
) -> None:
    save_instance(store, clock, "i-web")
    save_instance(store, clock, "i-locked", octet=11, locks=("security",))
    changes = MetadataOptionChanges(http_tokens="required")
    for region, instance_id in (("cn-qingdao", "i-web"), (REGION, "i-missing")):
        with pytest.raises(EcsError) as caught:
            attributes.modify_metadata_options(ACCOUNT, region, instance_id, changes)
        assert _code(caught) == ("InvalidInstanceId.NotFound", 404)
    with pytest.raises(EcsError) as caught:
        attributes.modify_metadata_options(ACCOUNT, REGION, "i-locked", changes)
    assert _code(caught) == ("InstanceLockedForSecurity", 403)
    assert InstanceRepository(store).get(ACCOUNT, "i-web").http_tokens == "optional"


def test_metadata_options_are_stored_and_old_records_get_the_defaults() -> None:
    hardened = replace(
        an_instance("i-web"),
        http_endpoint="disabled",
        http_tokens="required",
        http_put_response_hop_limit=64,
    )
    assert instance_codec.decode_instance(instance_codec.encode_instance(hardened)) == hardened
    record = instance_codec.encode_instance(an_instance("i-old"))
    for name in ("http_endpoint", "http_tokens", "http_put_response_hop_limit"):
        del record.body[name]
    old = instance_codec.decode_instance(record)
    assert (old.http_endpoint, old.http_tokens, old.http_put_response_hop_limit) == (
        "enabled",
        "optional",
        1,
    )


def _planned(store: SqliteStore, clock: FrozenClock, **options: object) -> InstancePlan:
    """The data plane's plan of one stopped instance with ``options`` (stopped: no router)."""
    store.add_account(AccountRecord(ROOT_ACCOUNT_ID, ROOT_ACCOUNT_NAME, "2024-01-02T00:00:00Z"))
    now = clock.now()
    VpcRepository(store).save(
        Vpc("vpc-1", ROOT_ACCOUNT_ID, REGION, ipaddress.IPv4Network("192.168.0.0/16"),
            "", "", "vrt-1", "vtb-1", (), now, now)
    )  # fmt: skip
    VSwitchRepository(store).save(
        VSwitch("vsw-1", ROOT_ACCOUNT_ID, REGION, "vpc-1", "cn-hangzhou-i",
                ipaddress.IPv4Network("192.168.0.0/24"), "", "", now, now)
    )  # fmt: skip
    save_instance(
        store, clock, "i-web", account=ROOT_ACCOUNT_ID, status=InstanceStatus.STOPPED, **options
    )
    (plan,) = PlanBuilder(store, Naming("t"), FakeBlockStore().disk_path).build(now).instances
    return plan


def test_the_data_plane_serves_metadata_by_default(store: SqliteStore, clock: FrozenClock) -> None:
    plan = _planned(store, clock)
    assert plan.metadata["meta-data/instance-id"] == "i-web"
    assert plan.tokens_required is False


def test_the_data_plane_follows_the_metadata_options(
    store: SqliteStore, clock: FrozenClock
) -> None:
    plan = _planned(store, clock, http_endpoint="disabled", http_tokens="required")
    assert (dict(plan.metadata), plan.tokens_required) == ({}, False)
