"""Undo and redo: one ``QUndoStack`` per open document (and one for when none is open) in a
``QUndoGroup`` whose active stack is the shown document's, so the Edit menu's Undo and Redo say what
they will undo ("Undo Delete Region").

Region edits are recorded as snapshots of a page's list of regions: which regions, in which order, and
each one's place, task, template, layout label, kind, origin and edited flag. Undo puts the list and
every region back as they were, the same ``TaskRegion`` objects, so results keep pointing at their
regions and the store is written through the same persistence call as the edit itself.

Results: taking a result off the list and editing its source are commands too; deleting a result from
the history is not (it asks first and is for good).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from glmocr_desktop.core.regions import Region, TaskRegion

#: One region as it was (``TaskRegion.state()``): region, task, template, label, kind, source, edited.
RegionState = tuple[Any, ...]
#: A page's regions as they were, in reading order.
Snapshot = tuple[tuple[TaskRegion, RegionState], ...]


def snapshot(specs: Sequence[TaskRegion]) -> Snapshot:
    return tuple((spec, spec.state()) for spec in specs)


def restore(specs: list[TaskRegion], snap: Snapshot) -> None:
    """Put the page's list (edited in place: the view shows it) and each region back as ``snap`` has them."""
    for spec, state in snap:
        spec.set_state(state)
    specs[:] = [spec for spec, _ in snap]


def changed_specs(snap: Snapshot, other: Snapshot) -> list[TaskRegion]:
    """What an undo or redo brings back, to select: the regions of ``snap`` that ``other`` lacks, else
    those it has otherwise."""
    known = {id(spec): state for spec, state in other}
    back = [spec for spec, _ in snap if id(spec) not in known]
    return back or [spec for spec, state in snap if known[id(spec)] != state]


def _same_size(a: Region, b: Region) -> bool:
    """A move keeps the size (to rounding: the corners are worked out again from the new place)."""
    return math.isclose(a.width, b.width, abs_tol=1e-6) and math.isclose(a.height, b.height, abs_tol=1e-6)


def describe(before: Snapshot, after: Snapshot) -> str:
    """What an edit made in the page view did, for the Undo menu: draw, delete, move or resize."""
    translate = QCoreApplication.translate
    was, now = {id(s): state for s, state in before}, {id(s): state for s, state in after}
    added, gone = [i for i in now if i not in was], [i for i in was if i not in now]
    if added and not gone:
        return (translate("RegionEdit", "Draw Region") if len(added) == 1 else
                translate("RegionEdit", "Add %n Regions", None, len(added)))  # fmt: skip
    if gone and not added:
        return (translate("RegionEdit", "Delete Region") if len(gone) == 1 else
                translate("RegionEdit", "Delete %n Regions", None, len(gone)))  # fmt: skip
    moved = [i for i in now if i in was and was[i][0] != now[i][0]]
    if moved and not added and not gone:
        resized = any(not _same_size(was[i][0], now[i][0]) for i in moved)
        return (
            translate("RegionEdit", "Resize Region")
            if resized
            else (translate("RegionEdit", "Move Region") if len(moved) == 1 else
                  translate("RegionEdit", "Move %n Regions", None, len(moved)))
        )  # fmt: skip
    return translate("RegionEdit", "Edit Regions")


class RegionEdit(QUndoCommand):
    """A change to one page's regions, already made when pushed; ``apply(snapshot)`` sets either side."""

    def __init__(self, text: str, apply: Callable[[Snapshot, Snapshot], None], before: Snapshot,
                 after: Snapshot) -> None:  # fmt: skip
        super().__init__(text)
        self.apply, self.before, self.after = apply, before, after
        self._made = True

    def redo(self) -> None:
        if self._made:  # pushed after the edit was made
            self._made = False
            return
        self.apply(self.after, self.before)

    def undo(self) -> None:
        self.apply(self.before, self.after)


class RemoveResult(QUndoCommand):
    """A result taken off the list (the store keeps it); undo puts it back at its row."""

    def __init__(self, pane: Any, entry: Any) -> None:
        super().__init__(QCoreApplication.translate("RemoveResult", "Remove Result from List"))
        self.pane, self.entry = pane, entry
        self.row = pane.entries.index(entry)

    def redo(self) -> None:
        self.pane.remove(self.entry)

    def undo(self) -> None:
        self.pane.insert(self.row, self.entry)


class SourceEdit(QUndoCommand):
    """The user's edit of a result's source; a run of edits of one result is one command."""

    ID = 0x5E0

    def __init__(self, pane: Any, entry: Any, before: tuple[str, bool], after: tuple[str, bool]) -> None:
        super().__init__(QCoreApplication.translate("SourceEdit", "Edit Result Source"))
        self.pane, self.entry, self.before, self.after = pane, entry, before, after
        self._made = True

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SourceEdit) or other.entry is not self.entry:
            return False
        self.after = other.after
        self.setObsolete(self.after == self.before)  # typed back to what it was: nothing to undo
        return True

    def redo(self) -> None:
        if self._made:
            self._made = False
            return
        self.pane.set_text(self.entry, *self.after)

    def undo(self) -> None:
        self.pane.set_text(self.entry, *self.before)


class UndoStacks(QObject):
    """The window's undo stacks: one per open document (keyed by its DocState), one for none."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.group = QUndoGroup(self)
        self._none = QUndoStack(self.group)
        self._stacks: dict[int, QUndoStack] = {}
        self.group.setActiveStack(self._none)

    def stack(self, st: Any | None) -> QUndoStack:
        if st is None:
            return self._none
        stack = self._stacks.get(id(st))
        if stack is None:
            stack = self._stacks[id(st)] = QUndoStack(self.group)
        return stack

    def active(self) -> QUndoStack:
        return self.group.activeStack() or self._none

    def activate(self, st: Any | None) -> None:
        """The shown document changed: Undo and Redo act on its edits."""
        self.group.setActiveStack(self.stack(st))

    def forget(self, st: Any) -> None:
        """A closed document's edits can no longer be undone."""
        stack = self._stacks.pop(id(st), None)
        if stack is not None:
            if self.group.activeStack() is stack:
                self.group.setActiveStack(self._none)
            self.group.removeStack(stack)
            stack.deleteLater()

    def push(self, command: QUndoCommand, st: Any | None = None) -> None:
        """On ``st``'s stack, or on the shown document's when ``st`` is None (results)."""
        (self.active() if st is None else self.stack(st)).push(command)
