"""``ecsim`` command line (PRODUCT.md contracts 2, 3 and 5)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ecsim import __version__
from ecsim.cli.account import account
from ecsim.cli.calls import ecs, vpc
from ecsim.cli.exec import exec_command
from ecsim.cli.options import credentials_options
from ecsim.cli.reach import reach
from ecsim.cli.storage import storage

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecsim")
def main() -> None:
    """ecsim: Alibaba Cloud ECS on one Linux box.

    Start a server with `ecsim serve`, then point any Alibaba Cloud client at it
    (endpoint 127.0.0.1:8080, AccessKey ecsim / ecsim-secret), or use the client
    subcommands, which talk to --endpoint (env ECSIM_ENDPOINT, default
    http://127.0.0.1:8080) with the root key unless told otherwise.

    \b
    Examples:
      ecsim serve --port 8080 --data-dir .ecsim-data
      ecsim ecs DescribeRegions --AcceptLanguage en-US
      ecsim vpc DescribeVpcs --RegionId cn-hangzhou
      ecsim account create --name b@aliyun.com
      sudo ecsim exec i-bp1abc -- ip -brief addr
      ecsim storage verify --data-dir .ecsim-data

    Run `ecsim COMMAND --help` for each command's options.
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int, help="0 picks a free port.")
@click.option(
    "--data-dir",
    default=".ecsim-data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where state (SQLite) lives.",
)
@click.option(
    "--dataplane",
    type=click.Choice(["auto", "linux", "none"]),
    default="auto",
    show_default=True,
    help="linux: real namespaces (needs root); none: API only; auto: linux when privileged.",
)
@credentials_options
@click.option(
    "--no-verify-signatures",
    is_flag=True,
    help="Accept requests without checking their signatures (local experiments only).",
)
@click.option("--realistic-delays", is_flag=True, help="Take about as long as the real cloud.")
@click.option(
    "--sync",
    type=click.Choice(["full", "normal"]),
    default="full",
    show_default=True,
    help="full: every change is fsynced before the answer; normal: survives a crash of "
    "ecsim but not of the machine, and changes are faster.",
)
@click.option(
    "--limit",
    "limits",
    multiple=True,
    metavar="NAME=N",
    help="Override a quota, e.g. --limit security_groups_per_region=2000 (repeatable).",
)
def serve(
    host: str,
    port: int,
    data_dir: Path,
    dataplane: str,
    access_key_id: str,
    access_key_secret: str,
    no_verify_signatures: bool,
    realistic_delays: bool,
    sync: str,
    limits: tuple[str, ...],
) -> None:
    """Run the ecsim server."""
    from ecsim.server import serve as run
    from ecsim.settings import Settings, limits_from

    try:
        quotas = limits_from(limits)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--limit") from None

    run(
        Settings(
            host=host,
            port=port,
            data_dir=data_dir,
            dataplane=dataplane,  # type: ignore[arg-type]  # click.Choice checked it
            access_key_id=access_key_id,
            access_key_secret=access_key_secret,
            verify_signatures=not no_verify_signatures,
            realistic_delays=realistic_delays,
            limits=quotas,
            sync=sync,  # type: ignore[arg-type]  # click.Choice checked it
        )
    )


main.add_command(ecs)
main.add_command(vpc)
main.add_command(account)
main.add_command(reach)
main.add_command(exec_command)
main.add_command(storage)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
