"""Lifecycle enums shared across threads: one job-state vocabulary and ranking, the fast path's states."""

from __future__ import annotations

from glmocr_desktop.core.errors import ModelNotFoundError, user_message
from glmocr_desktop.core.jobs import JobState
from glmocr_desktop.core.results import Result
from glmocr_desktop.core.store import STATUSES
from glmocr_desktop.core.tasks import Task
from glmocr_desktop.engines.base import EngineInfo, FastPathState


def _result(**kw) -> Result:
    return Result(job_id="j", task=Task.TEXT, text="t", raw_text="t", **kw)


def test_an_error_outranks_a_cancel_which_outranks_done():
    assert JobState.of_result(_result()) is JobState.DONE
    assert JobState.of_result(_result(cancelled=True)) is JobState.CANCELLED
    assert JobState.of_result(_result(cancelled=True, error="out of memory")) is JobState.ERROR


def test_the_store_speaks_the_same_vocabulary():
    assert set(STATUSES) <= {s.value for s in JobState}
    assert JobState("interrupted") is JobState.INTERRUPTED and not JobState.INTERRUPTED.active
    assert JobState.QUEUED.active and JobState.RUNNING.active and not JobState.DONE.active


def test_fast_path_text_names_state_and_reason():
    info = EngineInfo()
    assert info.fast_path is FastPathState.OFF and info.fast_path_text() == "off"
    info.fast_path, info.fast_path_detail = FastPathState.UNAVAILABLE, "no CUDA"
    assert info.fast_path_text() == "unavailable (no CUDA)"
    info.fast_path, info.fast_path_detail = FastPathState.COMPILING, ""
    assert info.fast_path_text() == "ready (graphs; compiling)" and info.fast_path.ready
    assert not FastPathState.WARMING.ready


def test_user_message_keeps_our_words_and_names_foreign_errors():
    assert user_message(ModelNotFoundError("No model here.")) == "No model here."
    assert user_message(KeyError("x")) == "KeyError: 'x'"
