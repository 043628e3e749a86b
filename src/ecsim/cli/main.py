"""``ecsim`` command line (PRODUCT.md contracts 2, 3 and 5)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ecsim import __version__
from ecsim.settings import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET

__all__ = ["main"]

_DEFAULT_ENDPOINT = "http://127.0.0.1:8080"


def _credentials(f: click.decorators.FC) -> click.decorators.FC:
    f = click.option(
        "--access-key-secret",
        envvar="ECSIM_ACCESS_KEY_SECRET",
        default=DEFAULT_ACCESS_KEY_SECRET,
        show_default=True,
        help="AccessKeySecret (env ECSIM_ACCESS_KEY_SECRET).",
    )(f)
    f = click.option(
        "--access-key-id",
        envvar="ECSIM_ACCESS_KEY_ID",
        default=DEFAULT_ACCESS_KEY_ID,
        show_default=True,
        help="AccessKeyId (env ECSIM_ACCESS_KEY_ID).",
    )(f)
    return f


def _endpoint(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--endpoint",
        envvar="ECSIM_ENDPOINT",
        default=_DEFAULT_ENDPOINT,
        show_default=True,
        help="The ecsim server (env ECSIM_ENDPOINT).",
    )(f)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecsim")
def main() -> None:
    """ecsim: Alibaba Cloud ECS on one Linux box.

    Start a server with `ecsim serve`, then point any Alibaba Cloud client at it
    (endpoint 127.0.0.1:8080, AccessKey ecsim / ecsim-secret), or use the client
    subcommands below.
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
@_credentials
@click.option(
    "--no-verify-signatures",
    is_flag=True,
    help="Accept requests without checking their signatures (local experiments only).",
)
@click.option("--realistic-delays", is_flag=True, help="Take about as long as the real cloud.")
def serve(
    host: str,
    port: int,
    data_dir: Path,
    dataplane: str,
    access_key_id: str,
    access_key_secret: str,
    no_verify_signatures: bool,
    realistic_delays: bool,
) -> None:
    """Run the ecsim server."""
    from ecsim.server import serve as run
    from ecsim.settings import Settings

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
        )
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
