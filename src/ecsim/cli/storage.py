"""``ecsim storage verify``: check a stopped server's block store, offline.

Unlike the client subcommands this one reads files, not the API: the block store under
``--data-dir`` (``DIR/blocks``, or DIR itself when it is a store). It changes nothing; see
``ecsim.storage.check`` for what it checks. Exit 0 when the store is consistent, 1 when it is
not, 2 when there is no store to check.
"""

from __future__ import annotations

from pathlib import Path

import click

from ecsim.cli.output import print_json
from ecsim.storage import StorageError
from ecsim.storage.check import CheckReport, check_store

__all__ = ["storage"]

_MIB = 2**20


@click.group()
def storage() -> None:
    """Inspect the block storage of a server's data directory (offline)."""


@storage.command()
@click.option(
    "--data-dir",
    default=".ecsim-data",
    show_default=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The data directory of a stopped server (or its blocks/ directory).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(data_dir: Path, as_json: bool) -> None:
    """Re-hash every stored chunk and check every snapshot manifest's references.

    Corrupt chunks (bytes that no longer match their hash), chunks a manifest names but the
    store lacks, and unreadable manifests make the store inconsistent (exit 1). Orphan chunks
    and temp files, what an interrupted snapshot leaves, are only reported: the server
    reclaims them when it next starts. Run it while the server is stopped.

    \b
    Example:
      ecsim storage verify --data-dir .ecsim-data --json
    """
    root = data_dir if (data_dir / "store.json").exists() else data_dir / "blocks"
    try:
        report = check_store(root)
    except StorageError as error:
        raise click.UsageError(str(error)) from None
    if as_json:
        print_json(report.to_json())
    else:
        click.echo(_summary(report))
    raise click.exceptions.Exit(0 if report.ok else 1)


def _summary(report: CheckReport) -> str:
    lines = [
        f"block store {report.root} ({report.block_size // 1024} KiB blocks)",
        f"  disks       {report.disks}",
        f"  snapshots   {report.snapshots}",
        f"  chunks      {report.chunks} ({report.chunk_bytes / _MIB:,.1f} MiB), "
        f"{len(report.corrupt)} corrupt, {len(report.missing)} missing",
        f"  orphans     {report.orphan_chunks} chunks ({report.orphan_bytes / _MIB:,.1f} MiB), "
        f"{report.temp_files} temp files (reclaimed at the next start)",
    ]
    for label, items in (
        ("corrupt chunk", report.corrupt),
        ("missing chunk", report.missing),
        ("bad manifest", report.bad_manifests),
        ("damaged snapshot", report.damaged_snapshots),
    ):
        lines += [f"  {label}: {item}" for item in items]
    lines.append("consistent" if report.ok else "INCONSISTENT")
    return "\n".join(lines)
