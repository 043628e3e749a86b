"""Guide §5, images as code: the guide's alicloud-ecs template, run by the real Packer 1.6.6
against a server with the Linux data plane. Packer has no endpoint option, so its Go SDK is
sent here through HTTP_PROXY (clients-protocol.md § Packer 1.6.6); the temporary instance is
a real one, reached over SSH through its EIP, and the shell provisioner runs inside it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as EcsClient

from tests.support.clients import ROOT_KEY, tea_ecs
from tests.support.linux import (
    NETNS_DIR,
    eventually,
    exec_in,
    instance_inits,
    released,
    serve_linux,
)
from tests.support.server import RunningServer
from tests.support.worlds import REGION, world_in

pytestmark = pytest.mark.linux

PACKER = shutil.which("packer")
SOURCE_IMAGE = "centos_7_03_64_20G_alibase_20170818.vhd"  # the guide's
INSTANCE_TYPE = "ecs.t5-lc1m1.small"  # the guide's
MARKER = "/root/built-by-packer.txt"
# the build takes seconds; the margin covers a slow CI host
BUILD_TIMEOUT = 120

# the guide's build log, step by step (a subsequence of Packer's output)
GUIDE_STEPS = (
    "Prevalidating image name...",
    f"Found image ID: {SOURCE_IMAGE}",
    "Creating temporary keypair: packer_",
    "Creating vpc...",
    "Creating vswitch...",
    "Creating security group...",
    "Creating instance...",
    "Allocating eip...",
    "Attach keypair packer_",
    "Starting instance: i-",
    "Using ssh communicator to connect:",
    "Waiting for SSH to become available...",
    "Connected to SSH!",
    "Provisioning with shell script:",
    "Stopping instance: i-",
    "Waiting instance stopped: i-",
    "Creating image: packer_basic_",
    "Detach keypair packer_",
    "Cleaning up 'EIP'",
    "Cleaning up 'instance'",
    "Cleaning up 'security group'",
    "Cleaning up 'vSwitch'",
    "Cleaning up 'VPC'",
    "Deleting temporary keypair...",
)


@dataclass(frozen=True)
class Build:
    image_name: str
    returncode: int
    # Packer's UI output (stdout and stderr); its debug log is in the build dir's packer.log
    log: str
    seconds: float
    # what the account held of Packer's kinds of resources once it had exited
    leftovers: dict[str, list[str]]


@pytest.fixture(scope="module")
def linux_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    if PACKER is None:
        pytest.skip("packer is not installed (apt-get install packer)")
    yield from serve_linux(tmp_path_factory.mktemp("ecsim-linux"))


@pytest.fixture(scope="module")
def build(linux_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """One `packer build` of the guide's template, for the tests below to examine."""
    assert PACKER is not None
    client = tea_ecs(linux_server.endpoint)
    assert not any(_leftovers(client).values())
    directory = tmp_path_factory.mktemp("packer")
    image_name = f"packer_basic_{uuid.uuid4().hex[:8]}"
    template = directory / "alicloud.json"
    template.write_text(json.dumps(_template(image_name), indent=2))
    started = time.monotonic()
    done = subprocess.run(
        [PACKER, "build", str(template)],
        cwd=directory,
        env=_packer_env(directory, linux_server.url),
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    seconds = time.monotonic() - started
    log = done.stdout + done.stderr
    return Build(image_name, done.returncode, log, seconds, _leftovers(client))


def _template(image_name: str) -> dict[str, object]:
    """The guide's alicloud.json (§5), with a provisioner that leaves evidence behind."""
    return {
        "variables": {
            "access_key": "{{env `ALICLOUD_ACCESS_KEY`}}",
            "secret_key": "{{env `ALICLOUD_SECRET_KEY`}}",
        },
        "builders": [
            {
                "type": "alicloud-ecs",
                "access_key": "{{user `access_key`}}",
                "secret_key": "{{user `secret_key`}}",
                "region": REGION,
                "image_name": image_name,
                "source_image": SOURCE_IMAGE,
                "ssh_username": "root",
                "instance_type": INSTANCE_TYPE,
                "internet_charge_type": "PayByTraffic",
                "io_optimized": "true",
            }
        ],
        "provisioners": [
            {
                "type": "shell",
                "inline": [
                    f"echo provisioned-by-packer > {MARKER}",
                    f"cat {MARKER}",
                    "uname -a",
                    "echo hostname=$(cat /etc/hostname)",
                ],
            }
        ],
    }


def _packer_env(directory: Path, proxy: str) -> dict[str, str]:
    """Packer's environment: the guide's variables, the proxy, and nothing of the host's
    Packer state (its own HOME, cache and temp dir)."""
    for name in ("home", "cache", "tmp"):
        (directory / name).mkdir()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(directory / "home"),
        "PACKER_CACHE_DIR": str(directory / "cache"),
        "TMPDIR": str(directory / "tmp"),
        "PACKER_NO_COLOR": "1",
        "CHECKPOINT_DISABLE": "1",
        # the debug log goes to a file, for a failure's post-mortem
        "PACKER_LOG": "1",
        "PACKER_LOG_PATH": str(directory / "packer.log"),
        "ALICLOUD_ACCESS_KEY": ROOT_KEY[0],
        "ALICLOUD_SECRET_KEY": ROOT_KEY[1],
        # the Go SDK sends plain HTTP for ecs-cn-hangzhou.aliyuncs.com through the proxy; its
        # location-service lookups (HTTPS) arrive as CONNECT, refused at once, and it falls
        # back to its built-in endpoint table
        "HTTP_PROXY": proxy,
        "HTTPS_PROXY": proxy,
    }


def _leftovers(client: EcsClient) -> dict[str, list[str]]:
    """What the account holds of the kinds Packer creates (all lists empty when clean)."""
    region = {"region_id": REGION}
    instances = client.describe_instances(ecs_models.DescribeInstancesRequest(**region)).body
    eips = client.describe_eip_addresses(ecs_models.DescribeEipAddressesRequest(**region)).body
    groups = client.describe_security_groups(
        ecs_models.DescribeSecurityGroupsRequest(**region)
    ).body
    vswitches = client.describe_vswitches(ecs_models.DescribeVSwitchesRequest(**region)).body
    vpcs = client.describe_vpcs(ecs_models.DescribeVpcsRequest(**region)).body
    keys = client.describe_key_pairs(ecs_models.DescribeKeyPairsRequest(**region)).body
    return {
        "instances": [str(i.instance_id) for i in instances.instances.instance],
        "eips": [str(e.allocation_id) for e in eips.eip_addresses.eip_address],
        "groups": [str(g.security_group_id) for g in groups.security_groups.security_group],
        "vswitches": [str(v.v_switch_id) for v in vswitches.v_switches.v_switch],
        "vpcs": [str(v.vpc_id) for v in vpcs.vpcs.vpc],
        "key pairs": [str(k.key_pair_name) for k in keys.key_pairs.key_pair],
    }


def _created(build: Build, kind: str) -> str:
    """The id Packer logged for a temporary resource (``Created vpc: vpc-...``)."""
    found = re.search(rf"alicloud-ecs: Created {kind}: (\S+)", build.log)
    assert found is not None, build.log
    return found.group(1)


def _artifact(build: Build) -> str:
    found = re.search(rf"^{REGION}: (m-\w+)$", build.log, re.MULTILINE)
    assert found is not None, build.log
    return found.group(1)


def test_build_runs_the_guides_steps_and_provisions_over_ssh(build: Build) -> None:
    assert build.returncode == 0, build.log
    print(f"packer build took {build.seconds:.1f} s")
    position = 0
    for step in GUIDE_STEPS:
        found = build.log.find(step, position)
        assert found >= 0, f"{step!r} missing or out of order:\n{build.log}"
        position = found
    # the provisioner ran inside the temporary instance: its output, its host name
    instance_id = _created(build, "instance")
    assert "alicloud-ecs: provisioned-by-packer\n" in build.log, build.log
    assert f"alicloud-ecs: hostname=iZ{instance_id.removeprefix('i-')}Z\n" in build.log
    assert "alicloud-ecs: Linux iZ" in build.log, build.log


def test_artifact_is_an_available_image(build: Build, linux_server: RunningServer) -> None:
    assert build.returncode == 0, build.log
    request = ecs_models.DescribeImagesRequest(
        region_id=REGION, image_id=_artifact(build), image_owner_alias="self"
    )
    images = tea_ecs(linux_server.endpoint).describe_images(request).body.images.image
    assert [(i.image_name, i.status) for i in images] == [(build.image_name, "Available")]


def test_packer_cleans_up_everything_it_created(build: Build, linux_server: RunningServer) -> None:
    assert build.returncode == 0, build.log
    assert build.leftovers == {kind: [] for kind in build.leftovers}
    # the kernel side went with them: the VPC's router, the instance's namespace and init
    made = [_created(build, "vpc"), _created(build, "instance")]

    def namespaces() -> list[Path]:
        return [path for i in made for path in NETNS_DIR.glob(f"ecsim-*-{i}")]

    assert eventually(lambda: not namespaces(), timeout=5), namespaces()
    assert instance_inits(linux_server.data_dir) == []


def test_instance_from_the_image_has_what_the_provisioner_wrote(
    build: Build, linux_server: RunningServer
) -> None:
    assert build.returncode == 0, build.log
    world = world_in(tea_ecs(linux_server.endpoint), ROOT_KEY)
    with released(world, linux_server):
        (instance_id,) = world.run(1, image_id=_artifact(build))
        done = exec_in(linux_server, instance_id, ["cat", MARKER])
    assert (done.returncode, done.stdout) == (0, "provisioned-by-packer\n"), done.stderr
