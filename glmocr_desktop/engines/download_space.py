"""Before a model download: how much is still to fetch (the hub's file list with sizes, minus what the
cache already holds, finished or partial) and whether the disk has room for it (no Qt).

A 2.7 GB download that fills the disk at 90 % helps nobody: it is refused up front with the sizes and
the folder named. Partial files of an interrupted download count as already there, because
huggingface_hub resumes them where they stopped.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from glmocr_desktop.core.errors import ModelError

#: room kept free beyond the download itself (the cache's metadata, the system's own needs)
SPARE_BYTES = 200 * 1024 * 1024


class NotEnoughSpace(ModelError):
    """The disk that would hold the model has less free space than the download needs."""


@dataclass(frozen=True)
class DownloadPlan:
    repo_id: str
    revision: str  # the commit the files were listed at
    total_bytes: int  # every file of the model
    present_bytes: int  # finished files already in the cache or the folder
    partial_bytes: int  # parts of files an interrupted download left (resumed, not fetched again)
    folder: Path  # where the files go

    @property
    def needed_bytes(self) -> int:
        return max(0, self.total_bytes - self.present_bytes - self.partial_bytes)


def gigabytes(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n < 10e9 else f"{n / 1e9:.1f} GB"


def plan_download(repo_id: str, *, cache_dir: str | Path | None = None, local_dir: str | Path | None = None,
                  revision: str | None = None) -> DownloadPlan:
    """Ask the hub (``HF_ENDPOINT``) which files ``repo_id`` has and how large; compare with the disk."""
    from huggingface_hub import HfApi, constants
    from huggingface_hub.hf_api import RepoFile

    api = HfApi()
    sha = api.repo_info(repo_id, revision=revision).sha or (revision or "main")
    files = {f.path: int(f.size or 0) for f in api.list_repo_tree(repo_id, recursive=True, revision=sha)
             if isinstance(f, RepoFile)}
    present = partial = 0
    if local_dir is not None:
        folder = Path(local_dir)
        for name, size in files.items():
            path = folder / name
            if path.is_file() and path.stat().st_size == size:
                present += size
        partial = _sizes((folder / ".cache" / "huggingface" / "download").rglob("*.incomplete"))
    else:
        cache = Path(cache_dir or constants.HF_HUB_CACHE)
        folder = cache / ("models--" + repo_id.replace("/", "--"))
        snapshot = folder / "snapshots" / sha
        for name, size in files.items():
            path = snapshot / name
            if path.exists() and path.stat().st_size == size:  # a link to a finished blob
                present += size
        partial = _sizes((folder / "blobs").glob("*.incomplete"))
    return DownloadPlan(repo_id, sha, sum(files.values()), present, partial, folder)


def _sizes(paths) -> int:
    total = 0
    for p in paths:
        try:
            total += p.stat().st_size
        except OSError:
            pass
    return total


def free_bytes(folder: Path) -> int:
    """Free space of the disk ``folder`` is (or will be) on: its nearest existing parent's."""
    probe = folder
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    return shutil.disk_usage(probe).free


def check_free_space(plan: DownloadPlan, free: int | None = None) -> None:
    """Raise :class:`NotEnoughSpace` when the rest of the download does not fit (with room to spare)."""
    if plan.needed_bytes == 0:
        return
    free = free_bytes(plan.folder) if free is None else free
    if free >= plan.needed_bytes + SPARE_BYTES:
        return
    where = plan.folder
    while not where.exists() and where.parent != where:
        where = where.parent
    resumed = f" ({gigabytes(plan.partial_bytes)} of it are already there)" if plan.partial_bytes else ""
    raise NotEnoughSpace(
        f"Not enough free disk space to download {plan.repo_id}: it needs {gigabytes(plan.needed_bytes)} more"
        f"{resumed}, and the disk of {where} has {gigabytes(free)} free.",
        hint="Free some space on that disk and press Download again (what is downloaded so far is kept), "
             "or set HF_HOME to a folder on a larger disk and start the app again.",
    )
