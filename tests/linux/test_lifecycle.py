"""An instance's life as its processes live it: user data on first boot only, power-off
from inside, stop/start keeping /root, reboot starting afresh, the console log."""

from __future__ import annotations

import base64

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from Tea.exceptions import TeaException

from tests.support.linux import (
    NETNS_DIR,
    booted_pid,
    eventually,
    exec_in,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, WINDOWS_IMAGE, World

USER_DATA = b"""#!/bin/sh
echo "first boot of $(hostname)" > /root/first-boot.txt
date +%s.%N >> /root/user-data-runs
"""


def _read(server: RunningServer, instance_id: str, path: str) -> str:
    done = exec_in(server, instance_id, ["cat", path])
    return done.stdout if done.returncode == 0 else ""


def _stop(world: World, instance_id: str) -> None:
    world.client.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: world.status(instance_id) == "Stopped", timeout=10)


def _start(server: RunningServer, world: World, instance_id: str) -> None:
    world.client.start_instance(ecs_models.StartInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: world.status(instance_id) == "Running", timeout=10)
    booted_pid(server, instance_id)


def _rebooted(server: RunningServer, instance_id: str, before: int) -> bool:
    try:
        return booted_pid(server, instance_id, timeout=0.5) != before
    except AssertionError:
        return False


def test_user_data_script_runs_once_on_first_boot(
    linux_server: RunningServer, world: World
) -> None:
    encoded = base64.b64encode(USER_DATA).decode()
    (instance_id,) = world.run(1, user_data=encoded, host_name="web-1")
    assert eventually(lambda: bool(_read(linux_server, instance_id, "/root/first-boot.txt")))
    assert _read(linux_server, instance_id, "/root/first-boot.txt") == "first boot of web-1\n"
    assert len(_read(linux_server, instance_id, "/root/user-data-runs").splitlines()) == 1
    # neither a reboot nor a stop and start runs it again
    before = booted_pid(linux_server, instance_id)
    world.client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: _rebooted(linux_server, instance_id, before), timeout=10)
    _stop(world, instance_id)
    _start(linux_server, world, instance_id)
    assert len(_read(linux_server, instance_id, "/root/user-data-runs").splitlines()) == 1


# what a command that takes the instance down exits with: 0, or killed (-9) with everything
# else in the instance when its init ends before the command itself has
_WENT_DOWN = (0, -9)


def test_poweroff_inside_makes_the_instance_stopped(
    linux_server: RunningServer, world: World
) -> None:
    (instance_id,) = world.run(1)
    done = exec_in(linux_server, instance_id, ["poweroff"])
    assert done.returncode in _WENT_DOWN, done.stderr
    assert eventually(lambda: world.status(instance_id) == "Stopped", timeout=5)
    # and it starts again like any stopped instance
    _start(linux_server, world, instance_id)


def test_stop_and_start_keep_what_was_written_in_root(
    linux_server: RunningServer, world: World
) -> None:
    (instance_id,) = world.run(1)
    wrote = exec_in(linux_server, instance_id, ["sh", "-c", "echo kept > /root/notes.txt"])
    assert wrote.returncode == 0, wrote.stderr
    _stop(world, instance_id)
    _start(linux_server, world, instance_id)
    assert _read(linux_server, instance_id, "/root/notes.txt") == "kept\n"


def test_a_stop_right_after_launch_ends_the_instance_promptly(world: World) -> None:
    (instance_id,) = world.run(1)
    world.client.stop_instance(ecs_models.StopInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: world.status(instance_id) == "Stopped", timeout=5)
    # the API says Stopped: its processes and namespace should be gone by now, not in 5 s
    assert eventually(lambda: not list(NETNS_DIR.glob(f"ecsim-*-{instance_id}")), timeout=2)


def test_reboot_starts_afresh_and_keeps_root(linux_server: RunningServer, world: World) -> None:
    """/run is a fresh tmpfs each boot; /root is the disk; the instance stays Running."""
    (instance_id,) = world.run(1)
    wrote = exec_in(
        linux_server, instance_id, ["sh", "-c", "echo x > /run/marker; echo y > /root/kept"]
    )
    assert wrote.returncode == 0, wrote.stderr
    before = booted_pid(linux_server, instance_id)
    world.client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: _rebooted(linux_server, instance_id, before), timeout=10)
    assert world.status(instance_id) == "Running"
    assert not _read(linux_server, instance_id, "/run/marker")
    assert _read(linux_server, instance_id, "/root/kept") == "y\n"


def test_reboot_from_inside_restarts_the_instance(
    linux_server: RunningServer, world: World
) -> None:
    (instance_id,) = world.run(1)
    before = booted_pid(linux_server, instance_id)
    assert exec_in(linux_server, instance_id, ["reboot"]).returncode in _WENT_DOWN
    assert eventually(lambda: _rebooted(linux_server, instance_id, before), timeout=10)
    assert world.status(instance_id) == "Running"


def _console(world: World, instance_id: str) -> str:
    request = ecs_models.GetInstanceConsoleOutputRequest(region_id=REGION, instance_id=instance_id)
    try:
        body = world.client.get_instance_console_output(request).body
    except TeaException as error:
        if error.code == "InvalidAction.NotFound":
            pytest.skip("GetInstanceConsoleOutput is not there yet")
        raise
    return base64.b64decode(str(body.console_output)).decode()


def test_console_output_shows_each_boot(linux_server: RunningServer, world: World) -> None:
    encoded = base64.b64encode(USER_DATA).decode()
    (instance_id,) = world.run(1, user_data=encoded)
    before = booted_pid(linux_server, instance_id)
    assert eventually(lambda: "ready" in _console(world, instance_id))
    first = _console(world, instance_id)
    assert first.count("booting") == 1
    assert "running user data" in first
    world.client.reboot_instance(ecs_models.RebootInstanceRequest(instance_id=instance_id))
    assert eventually(lambda: _rebooted(linux_server, instance_id, before), timeout=10)
    assert eventually(lambda: _console(world, instance_id).count("ready") == 2)
    second = _console(world, instance_id)
    assert second.startswith(first)
    assert second.count("booting") == 2
    assert second.count("running user data") == 1


def test_stop_asks_the_guest_to_shut_down_and_force_stop_kills_it(
    linux_server: RunningServer, world: World
) -> None:
    """A plain stop signals the instance's init, which says so on its console; ForceStop
    kills it outright, so it has no chance to."""
    gentle, forced = world.run(2)
    for instance_id in (gentle, forced):
        booted_pid(linux_server, instance_id)
    world.client.stop_instance(ecs_models.StopInstanceRequest(instance_id=gentle))
    world.client.stop_instance(ecs_models.StopInstanceRequest(instance_id=forced, force_stop=True))
    for instance_id in (gentle, forced):
        assert eventually(lambda i=instance_id: not list(NETNS_DIR.glob(f"ecsim-*-{i}")), timeout=5)
    assert "stopping" in _console(world, gentle)
    assert "stopping" not in _console(world, forced)


def test_a_windows_image_is_refused_at_launch_when_instances_are_real(world: World) -> None:
    before = world.client.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id=REGION)
    ).body.total_count
    for launch in (world.run, world.create):
        with pytest.raises(TeaException) as refused:
            launch(image_id=WINDOWS_IMAGE)
        assert (refused.value.code, refused.value.statusCode) == ("InvalidImage.NotSupported", 403)
        assert "Windows" in str(refused.value.message)
    after = world.client.describe_instances(
        ecs_models.DescribeInstancesRequest(region_id=REGION)
    ).body.total_count
    assert after == before
