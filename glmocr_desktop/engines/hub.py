"""Downloading the model from the Hugging Face hub with byte progress and cancellation (no Qt).

``snapshot_download`` reports the bytes of all files through the ``tqdm_class`` it is given; the
progress class below forwards them to a callback and raises :class:`DownloadCancelled` from inside the
download threads once the cancel event is set, which stops every file within one chunk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glmocr_desktop import DEFAULT_MODEL_ID
from glmocr_desktop.core.errors import ModelError

#: progress(bytes_done, bytes_total or 0 if unknown, message)
DownloadProgress = Callable[[int, int, str], None]


class DownloadCancelled(ModelError):
    """The user stopped the download; partial files stay in the cache and resume next time."""


class DownloadError(ModelError):
    pass


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def make_progress_class(progress: DownloadProgress | None, cancel: threading.Event) -> type:
    """A tqdm look-alike class that reports byte progress and honours ``cancel``."""
    lock = threading.Lock()

    class _Progress:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.desc = str(kwargs.get("desc") or "")
            self.unit = kwargs.get("unit", "it")
            self.total = kwargs.get("total") or 0
            self.n = kwargs.get("initial") or 0
            self.disable = False
            self._check()
            self._report()

        # context manager (hf_thread_map uses ``with tqdm_class(...) as bar``)
        def __enter__(self) -> _Progress:
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

        def _is_bytes(self) -> bool:
            return self.unit == "B" and not self.desc.lower().startswith(("downloading bytes",))

        def _check(self) -> None:
            if cancel.is_set():
                raise DownloadCancelled("The download was cancelled.")

        def _report(self) -> None:
            if progress is None or not self._is_bytes():
                return
            total = int(self.total or 0)
            done = int(self.n or 0)
            msg = f"{_human(done)} of {_human(total)}" if total else _human(done)
            with lock:
                progress(done, total, msg)

        def update(self, n: float | None = 1) -> None:
            self._check()
            self.n += n or 0
            self._report()

        def refresh(self, *a: Any, **k: Any) -> None:
            self._check()
            self._report()

        def set_description(self, desc: str = "", *a: Any, **k: Any) -> None:
            self.desc = str(desc)

        set_description_str = set_description

        def close(self) -> None:
            pass

        def __getattr__(self, name: str) -> Callable[..., None]:
            # set_postfix_str, clear, display, ...: progress display details we do not need
            if name.startswith("__"):
                raise AttributeError(name)
            return lambda *a, **k: None

    return _Progress


def download_model(
    repo_id: str = DEFAULT_MODEL_ID,
    *,
    progress: DownloadProgress | None = None,
    cancel: threading.Event | None = None,
    cache_dir: str | Path | None = None,
    local_dir: str | Path | None = None,
) -> Path:
    """Download ``repo_id`` (all files of the model) and return its local folder.

    Blocking; run it on a worker thread. Raises DownloadCancelled or DownloadError.
    """
    cancel = cancel or threading.Event()
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:  # pragma: no cover - a dependency
        raise DownloadError("huggingface_hub is not installed.") from exc
    from glmocr_desktop.engines.download_space import NotEnoughSpace, check_free_space, plan_download

    try:
        if progress is not None:
            progress(0, 0, "checking the free disk space")
        # the hub's file sizes against the disk, before the first byte (partial files count as there)
        plan = plan_download(repo_id, cache_dir=cache_dir, local_dir=local_dir)
        check_free_space(plan)
        folder = snapshot_download(
            repo_id,
            revision=plan.revision,  # the very files that were counted
            cache_dir=cache_dir,
            local_dir=local_dir,
            tqdm_class=make_progress_class(progress, cancel),
        )
    except (DownloadCancelled, NotEnoughSpace):
        raise
    except Exception as exc:  # network, disk, auth: all become one clear message
        if cancel.is_set():
            raise DownloadCancelled("The download was cancelled.") from None
        raise DownloadError(
            f"Could not download {repo_id}: {exc}",
            hint="Check the internet connection and free disk space (the model needs about 3 GB).",
        ) from exc
    if cancel.is_set():
        raise DownloadCancelled("The download was cancelled.")
    return Path(folder)
