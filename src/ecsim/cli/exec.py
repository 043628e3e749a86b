"""``ecsim exec INSTANCE_ID -- CMD ARGS...``: run a command inside a running instance
(PRODUCT.md contract 5).

The CLI stays a client: it asks the server (DescribeInstanceRuntime of the Ecsim API) for the
instance's init process, then enters every namespace of that process with nsenter, as root,
in /root. The process image is replaced by nsenter, so the command inherits the terminal,
streams its own output, receives signals directly and its exit status is ecsim's.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from typing import NoReturn

import click

from ecsim.api.products import ECSIM
from ecsim.cli.client import RpcClient
from ecsim.cli.options import credentials_options, endpoint_option
from ecsim.cli.output import EXIT_API_ERROR, call_or_exit

__all__ = ["exec_command", "nsenter_argv"]

# where the command starts, as a login as root would
_WORKDIR = "/root"


def nsenter_argv(nsenter: str, pid: int, command: Sequence[str]) -> list[str]:
    """All of ``pid``'s namespaces (-a), then env changes to /root and runs ``command``; env
    is the instance's own (its root is the instance's once the mount namespace is entered)."""
    return [nsenter, "-t", str(pid), "-a", "/usr/bin/env", "-C", _WORKDIR, *command]


def _fail(message: str) -> NoReturn:
    click.echo(f"ecsim exec: {message}", err=True)
    raise click.exceptions.Exit(EXIT_API_ERROR)


@click.command(name="exec")
@click.argument("instance_id")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@endpoint_option
@credentials_options
def exec_command(
    instance_id: str,
    command: tuple[str, ...],
    endpoint: str,
    access_key_id: str,
    access_key_secret: str,
) -> None:
    """Run COMMAND inside the running instance INSTANCE_ID.

    The command runs as root in /root, in all of the instance's namespaces (network, mount,
    PID, UTS, IPC), with the terminal's input and output; ecsim exits with its exit status.
    Put `--` before the command so that its options are not read as ecsim's. Needs root on
    the host running the server, and a server with the Linux data plane.

    Exits 1 when the server refuses (unknown instance, or one that is not running: the error
    JSON goes to stderr) or when this is not run as root; 2 on bad usage or when the server
    cannot be reached.

    \b
    Examples:
      sudo ecsim exec i-bp1abc -- ip -brief addr
      sudo ecsim exec i-bp1abc -- sh -c 'curl -s 100.100.100.200/latest/meta-data/'
    """
    body = call_or_exit(
        lambda: RpcClient(endpoint, access_key_id, access_key_secret),
        ECSIM.version,
        "DescribeInstanceRuntime",
        {"InstanceId": instance_id},
    )
    if os.geteuid() != 0:
        _fail("entering an instance's namespaces needs root; run it again with sudo.")
    nsenter = shutil.which("nsenter")
    if nsenter is None:
        _fail("nsenter (util-linux) is not installed on this host.")
    argv = nsenter_argv(nsenter, int(body["Pid"]), command)
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        os.execv(nsenter, argv)
    except OSError as error:
        _fail(f"cannot run nsenter: {error}")
