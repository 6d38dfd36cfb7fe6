"""Continuous batching: a fixed set of decode rows that finished regions leave and waiting regions join.

Why a module of its own: a static batch runs until its longest row ends, so on a document (regions of
very different lengths) half of its rows idle (54-67 % busy, measured on the SDK example's lengths).
Here the batch never drains while work waits: when rows finish, the next regions join in a group,
their prompts run in one batched prompt pass into a scratch cache (the static path's cache of that
group's batch bucket, so its prompt graphs replay) and their keys and values are copied into the freed
rows. Every row has its own cache slot, rope position, length, budget, stop and repetition-penalty
state, so a region decodes exactly as it would alone (tested in fp32: tests/test_continuous.py).

The decode step is the static path's layer code (:meth:`TextDecoder.forward`, :func:`pick_next`) with
per-row cache slots (:func:`decode_attention` ``per_row``); on CUDA it is captured in a graph per
(batch, cache capacity, attended length). Tokens come back in groups of steps, double-buffered, as
in :mod:`.delivery`; joins happen between groups, in stream order, so the GPU is never stopped to
refill.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from glmocr_desktop.engines.fast_decode.attention import decode_attention
from glmocr_desktop.engines.fast_decode.buckets import round_up
from glmocr_desktop.engines.fast_decode.decoder import TextDecoder
from glmocr_desktop.engines.fast_decode.errors import FastDecodeUnavailable
from glmocr_desktop.engines.fast_decode.graphs import GraphPool, GraphRunner
from glmocr_desktop.engines.fast_decode.sampling import pick_next
from glmocr_desktop.engines.fast_decode.step import DecodeStep

#: batch sizes a continuous batch runs at (a batch is sized once per run, to the work it has)
CONTINUOUS_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
#: freed rows are refilled once this share of the batch is free (or nothing else runs)
JOIN_FRACTION = 0.25


def join_group_size(batch: int, widest: int, fraction: float = JOIN_FRACTION) -> int:
    """Regions that join a batch of ``batch`` rows in one prompt pass: a share of the batch, at most
    ``widest`` (the static path's widest prompt batch, whose prompt graphs the pass replays)."""
    return max(1, min(widest, int(batch * fraction) or 1))


@dataclass
class Region:
    """One region to decode: its prompt alone (processor output for a batch of one) and its limits."""

    key: Hashable
    inputs: dict
    max_new: int
    min_new: int = 0


class RegionSource(Protocol):
    """Where waiting regions come from (the engine prepares them on other threads meanwhile)."""

    def take(self, n: int, wait: bool) -> list[Region]:
        """Up to ``n`` regions ready to join; with ``wait``, block until one is ready (or none is left)."""
        ...

    def pending(self) -> int:
        """Regions not taken yet, ready or still being prepared."""
        ...


class ListSource:
    """Regions already prepared, in order."""

    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions = deque(regions)

    def take(self, n: int, wait: bool) -> list[Region]:
        return [self.regions.popleft() for _ in range(min(n, len(self.regions)))]

    def pending(self) -> int:
        return len(self.regions)


#: ``on_tokens([(key, token), ...])`` per step for the regions that got a token; returns keys to stop
TokenSink = Callable[[list[tuple[Hashable, int]]], Iterable[Hashable] | None]


def collate(prompts: Sequence[dict], pad: int) -> dict:
    """Prompts of one region each as one left-padded batch, as the processor pads a batch."""
    import torch

    width = max(int(p["input_ids"].shape[1]) for p in prompts)

    def left(name: str, fill: int):
        rows = []
        for p in prompts:
            t = p[name] if name in p else torch.ones_like(p["input_ids"])
            rows.append(torch.nn.functional.pad(t, (width - t.shape[1], 0), value=fill))
        return torch.cat(rows)

    out = {"input_ids": left("input_ids", pad), "attention_mask": left("attention_mask", 0)}
    if all("mm_token_type_ids" in p for p in prompts):
        out["mm_token_type_ids"] = left("mm_token_type_ids", 0)
    if all("pixel_values" in p for p in prompts):
        out["pixel_values"] = torch.cat([p["pixel_values"] for p in prompts])
        out["image_grid_thw"] = torch.cat([p["image_grid_thw"] for p in prompts])
    return out


@dataclass
class RowsState:
    """The continuous batch's decode state: row ``r`` of every tensor is batch row ``r``."""

    batch: int
    capacity: int  # slots a row may fill (``len_step`` more are allocated for the attended length)
    keys: list[Any]  # per layer (batch, kv_heads, capacity + len_step, head_dim)
    values: list[Any]
    tokens: Any  # (batch,) long: every row's last token, the next step's input
    positions: Any  # (batch,) long: its rope position
    slots: Any  # (batch,) long: the cache slot the next step writes, per row
    kv_valid: Any  # (batch, capacity + len_step) bool
    seen: Any  # (batch, vocab) bool: the repetition penalty's ids, per row
    finished: Any  # (batch,) bool: rows without a live region (idle) or at their end
    n_generated: Any
    max_new: Any
    min_new: Any
    eos_mask: Any  # (batch, vocab) bool
    markers: dict[int, Any] = field(default_factory=dict)

    STEP_UPDATED = ("tokens", "positions", "slots", "kv_valid", "seen", "finished", "n_generated")

    @classmethod
    def allocate(cls, decoder: TextDecoder, batch: int, capacity: int, len_step: int, eos_ids, pad: int,
                 dtype, device) -> RowsState:
        import torch

        slots = capacity + len_step

        def cache():
            shape = (batch, decoder.n_kv_heads, slots, decoder.head_dim)
            return [torch.zeros(shape, dtype=dtype, device=device) for _ in decoder.layers]

        def longs():
            return torch.zeros(batch, dtype=torch.long, device=device)

        eos_mask = torch.zeros(batch, decoder.vocab, dtype=torch.bool, device=device)
        if eos_ids:
            eos_mask[:, torch.as_tensor(list(eos_ids), device=device)] = True
        return cls(batch=batch, capacity=capacity, keys=cache(), values=cache(),
                   tokens=torch.full((batch,), pad, dtype=torch.long, device=device), positions=longs(),
                   slots=longs(), kv_valid=torch.zeros(batch, slots, dtype=torch.bool, device=device),
                   seen=torch.zeros(batch, decoder.vocab, dtype=torch.bool, device=device),
                   finished=torch.ones(batch, dtype=torch.bool, device=device), n_generated=longs(),
                   max_new=longs(), min_new=longs(), eos_mask=eos_mask)

    def grow(self, capacity: int, len_step: int) -> None:
        """More slots per row, contents kept (graphs captured before hold the old addresses)."""
        import torch

        extra = capacity - self.capacity
        if extra <= 0:
            return
        self.keys = [torch.nn.functional.pad(k, (0, 0, 0, extra)) for k in self.keys]
        self.values = [torch.nn.functional.pad(v, (0, 0, 0, extra)) for v in self.values]
        self.kv_valid = torch.nn.functional.pad(self.kv_valid, (0, extra))
        self.capacity = capacity
        self.markers.clear()

    def marker(self, length: int):
        found = self.markers.get(length)
        if found is None:
            import torch

            found = self.markers[length] = torch.empty(length, dtype=torch.int8, device=self.slots.device)
        return found

    def step_tensors(self, attended: int) -> tuple:
        return (self.tokens, self.positions, self.slots, self.keys, self.values, self.kv_valid,
                self.marker(attended), self.seen, self.finished, self.n_generated, self.max_new, self.min_new,
                self.eos_mask)

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name).clone() for name in self.STEP_UPDATED}

    def restore(self, saved: dict[str, Any]) -> None:
        for name, value in saved.items():
            getattr(self, name).copy_(value)


class RowsStep(DecodeStep):
    """One decode step over every row, each at its own cache slot; eager or compiled (as the static step)."""

    def __call__(self, state, attended_len: int, pad: int, penalty: float):  # state: RowsState
        run: Any = self._run
        return run(*state.step_tensors(attended_len), pad, penalty)

    def step(self, tokens, positions, slots, keys, values, kv_valid, marker, seen, finished,  # type: ignore[override]
             n_generated, max_new, min_new, eos_mask, pad: int, penalty: float):
        import torch

        decoder = self.decoder
        kv_valid.scatter_(1, slots[:, None], True)
        valid = kv_valid[:, : marker.shape[0]]
        key_bias = torch.zeros(valid.shape, dtype=torch.float32, device=valid.device).masked_fill(
            ~valid, float("-inf"))[:, None, None, :]
        x = torch.nn.functional.embedding(tokens[:, None], decoder.embed)
        cos, sin = decoder.text_rope(positions, decoder.embed.dtype)
        attend = decode_attention(decoder, keys, values, slots, key_bias, self.long, self.len_step, per_row=True)
        hidden = decoder.forward(x, cos, sin, attend)[:, 0]
        nxt = pick_next(decoder.logits(hidden), seen, finished, n_generated, min_new, eos_mask, pad, penalty,
                        self.split_argmax)
        live = (~finished).long()  # idle rows keep their slot: they never walk off the cache
        seen.scatter_(1, nxt[:, None], True)
        n_generated.add_(1)
        is_eos = eos_mask.gather(1, nxt[:, None])[:, 0]
        finished.copy_(finished | is_eos | (n_generated >= max_new))
        tokens.copy_(nxt)
        positions.add_(live)
        slots.add_(live)
        return nxt


@dataclass(eq=False)
class _Live:
    """A region in a row, as the host sees it."""

    region: Region
    limit: int  # the last slot it can write
    count: int = 0
    done: bool = False


@dataclass
class _Record:
    """Work enqueued on the device whose tokens the host has not read yet."""

    owners: list[_Live | None]  # the row's region when it was enqueued
    host: Any  # (steps, batch) long tokens, or (rows,) first tokens of a join
    steps: int
    event: Any = None
    join_rows: list[int] | None = None


@dataclass
class ContinuousStats:
    steps: int = 0
    row_steps: int = 0  # batch rows x steps
    busy_row_steps: int = 0  # of those, rows with a live region
    joins: int = 0
    joined_regions: int = 0
    cache_growths: int = 0
    tokens: int = 0
    batch: int = 0
    prompt_s: float = 0.0
    wall_s: float = 0.0

    @property
    def utilisation(self) -> float:
        return self.busy_row_steps / self.row_steps if self.row_steps else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"steps": self.steps, "batch": self.batch, "joins": self.joins,
                "joined_regions": self.joined_regions, "tokens": self.tokens,
                "row_utilisation": round(self.utilisation, 3), "prompt_s": round(self.prompt_s, 3),
                "wall_s": round(self.wall_s, 3)}


class ContinuousDecoder:
    """Continuous batching over a :class:`~.fast_decoder.FastDecoder`'s weights, prompt pass and graphs."""

    def __init__(self, fast, *, max_batch: int = 32, join_fraction: float = JOIN_FRACTION,
                 compile: bool = False, group: int | None = None) -> None:
        self.fast = fast
        self.decoder: TextDecoder = fast.decoder
        self.device = fast.device
        self.dtype = fast.dtype
        self.max_batch = max(1, int(max_batch))
        self.join_fraction = float(join_fraction)
        self.compile = bool(compile)
        self.use_graphs = bool(fast.use_graphs)
        self.group = int(group or fast.group)
        self.len_step = fast.buckets.len_step
        #: most cache slots a row may hold (a region's prompt and output): the static path's limit
        self.max_cache_len = int(fast.kv_pool.max_cache_len)
        self.graphs = GraphRunner(GraphPool(), fast._capture_gate)
        self._steps: dict[bool, RowsStep] = {}
        self._state: RowsState | None = None
        self.stats = ContinuousStats()

    # --- sizes ----------------------------------------------------------------------------------

    def fits(self, prompt_tokens: int, max_new: int) -> bool:
        """Whether a region's prompt and output fit a row's cache (others go to the static path)."""
        return prompt_tokens + max_new + 2 <= self.max_cache_len

    def batch_for(self, regions: int) -> int:
        """The batch a run of ``regions`` regions uses: the smallest bucket that holds them, at most max."""
        top = max(b for b in CONTINUOUS_BUCKETS if b <= self.max_batch) if self.max_batch >= 1 else 1
        return next((b for b in CONTINUOUS_BUCKETS if b >= regions and b <= top), top)

    def join_group(self, batch: int) -> int:
        """Regions joined in one prompt pass: a share of the batch, at most the static path's widest."""
        return join_group_size(batch, self.fast.buckets.largest_batch(self.fast.max_batch), self.join_fraction)

    def _state_for(self, batch: int, capacity: int, eos_ids, pad: int) -> RowsState:
        state = self._state
        capacity = round_up(max(capacity, self.len_step), self.len_step)
        if state is None or state.batch != batch or state.capacity < capacity:
            self._state = None
            self.graphs.clear()
            self.graphs.pool.reset()
            state = self._state = RowsState.allocate(self.decoder, batch, capacity, self.len_step, eos_ids, pad,
                                                     self.dtype, self.device)
        else:
            import torch

            state.finished.fill_(True)
            state.slots.zero_()
            state.kv_valid.zero_()
            state.tokens.fill_(pad)
            state.eos_mask.zero_()
            if eos_ids:
                state.eos_mask[:, torch.as_tensor(list(eos_ids), device=self.device)] = True
        return state

    # --- steps ----------------------------------------------------------------------------------

    def _step_function(self, attended: int) -> RowsStep:
        long = bool(self.fast.long_from) and attended > self.fast.long_from
        step = self._steps.get(long)
        if step is None:
            step = self._steps[long] = RowsStep(self.decoder, len_step=self.len_step,
                                                split_argmax=self.fast.split_argmax, long=long,
                                                compile=self.compile)
        return step

    def _run_step(self, state: RowsState, attended: int, pad: int, penalty: float):
        step = self._step_function(attended)
        if not self.use_graphs:
            return step(state, attended, pad, penalty)
        key = (state.batch, state.capacity, attended, pad, penalty)
        if not self.graphs.can_run(key):
            saved = state.snapshot()
            self.graphs.capture(key, lambda: step(state, attended, pad, penalty),
                                restore=lambda: state.restore(saved))
        return self.graphs.replay(key)

    # --- joining --------------------------------------------------------------------------------

    def _join(self, state: RowsState, rows: list[int], regions: list[Region], eos_ids, pad: int,
              penalty: float) -> Any:
        """The regions' prompts in one pass, their caches copied into ``rows``; returns the first tokens."""
        import torch

        t0 = time.perf_counter()
        fast = self.fast
        batch = collate([r.inputs for r in regions], pad)
        batch = {k: v.to(self.device) for k, v in batch.items()}
        ids, mask = batch["input_ids"], batch["attention_mask"]
        count, length = ids.shape
        scratch = fast.decode_state(fast.buckets.batch_bucket(count, fast.max_batch), length + 2, pad)
        logits, last_positions = fast.prefill(scratch, batch)
        index = torch.as_tensor(rows, device=self.device)
        for layer in range(len(state.keys)):
            state.keys[layer][index, :, :length] = scratch.cache.keys[layer][:count, :, :length]
            state.values[layer][index, :, :length] = scratch.cache.values[layer][:count, :, :length]
        valid = torch.zeros(count, state.kv_valid.shape[1], dtype=torch.bool, device=self.device)
        valid[:, :length] = mask.bool()
        state.kv_valid[index] = valid
        counts = torch.zeros(count, self.decoder.vocab, dtype=torch.long, device=self.device)
        counts.scatter_add_(1, ids, mask.long())  # only real prompt tokens count as seen
        seen = counts > 0

        def longs(values):
            return torch.as_tensor(values, dtype=torch.long, device=self.device)

        max_new, min_new = longs([r.max_new for r in regions]), longs([r.min_new for r in regions])
        zero = longs([0] * count)
        first = pick_next(logits[:count], seen, zero.bool(), zero, min_new,
                          state.eos_mask[index] if eos_ids else None, pad, penalty, fast.split_argmax)
        seen.scatter_(1, first[:, None], True)
        state.seen[index] = seen
        state.n_generated[index] = 1
        state.max_new[index] = max_new
        state.min_new[index] = min_new
        ended = (max_new <= 1)
        if eos_ids:
            ended = ended | state.eos_mask[index].gather(1, first[:, None])[:, 0]
        state.finished[index] = ended
        state.tokens[index] = first
        state.positions[index] = last_positions[:count] + 1
        state.slots[index] = length
        self.stats.prompt_s += time.perf_counter() - t0
        return first, length

    # --- the run --------------------------------------------------------------------------------

    def run(self, source: RegionSource, *, eos_token_ids: Sequence[int], pad_token_id: int,
            repetition_penalty: float = 1.1, on_tokens: TokenSink,
            should_stop: Callable[[], bool] | None = None, capacity_hint: int = 0) -> ContinuousStats:
        """Decode every region ``source`` gives until none is left (or ``should_stop()``)."""
        ok, why = self.fast.available()
        if not ok:
            raise FastDecodeUnavailable(why)
        import torch

        with self.fast._lock, torch.inference_mode():
            return self._run(source, list(eos_token_ids), int(pad_token_id), float(repetition_penalty),
                             on_tokens, should_stop or (lambda: False), capacity_hint)

    def _run(self, source: RegionSource, eos_ids: list[int], pad: int, penalty: float, on_tokens: TokenSink,
             should_stop: Callable[[], bool], capacity_hint: int) -> ContinuousStats:
        import torch

        started = time.perf_counter()
        self.stats = stats = ContinuousStats()
        batch = self.batch_for(source.pending())
        state = self._state_for(batch, capacity_hint or self.len_step, eos_ids, pad)
        stats.batch = batch
        owners: list[_Live | None] = [None] * batch
        bound = [0] * batch  # an upper bound on each row's slot at the last enqueued step
        records: deque[_Record] = deque()
        eos = set(eos_ids)
        pinned = self.device.type == "cuda"
        group = self.join_group(batch)

        def live_rows() -> list[int]:
            return [r for r, o in enumerate(owners) if o is not None and not o.done]

        def stop_rows(rows: list[int]) -> None:
            """End these rows on the device and park them at slot 0 (an idle row's slot must not keep the
            attended length long); the host knows their regions are done."""
            if rows:
                index = torch.as_tensor(rows, device=self.device)
                state.finished[index] = True
                state.slots[index] = 0
                for r in rows:
                    bound[r] = 0

        def to_host(tensor) -> tuple[Any, Any]:
            host = torch.empty(tensor.shape, dtype=torch.long, pin_memory=pinned)
            host.copy_(tensor, non_blocking=pinned)
            event = None
            if pinned:
                event = torch.cuda.Event()
                event.record()
            return host, event

        def join() -> None:
            nonlocal state
            while True:
                free = [r for r, o in enumerate(owners) if o is None or o.done]
                waiting = source.pending()
                if not free or not waiting:
                    return
                idle = not live_rows()
                if len(free) < min(group, waiting) and not idle:
                    return
                regions = source.take(min(len(free), group), wait=idle and not records)
                if not regions:
                    return
                rows = free[: len(regions)]
                longest = max(int(r.inputs["input_ids"].shape[1]) for r in regions)
                # room for the prompt and a first stretch of output; rows grow the cache as they need
                ensure(longest + min(max(r.max_new for r in regions), 2 * self.len_step) + 2)
                first, length = join_rows(rows, regions)
                for r, region in zip(rows, regions):
                    # its first decode step writes slot ``length``; max_new - 1 steps in all
                    owners[r] = _Live(region, limit=length + region.max_new - 1)
                    bound[r] = length
                host, event = to_host(first)
                records.append(_Record(owners=list(owners), host=host, steps=0, event=event, join_rows=rows))
                stats.joins += 1
                stats.joined_regions += len(regions)

        def ensure(slots: int) -> None:
            """At least ``slots`` slots per row (the cache grows by half at least: few regrowths)."""
            if slots > state.capacity:
                if slots > self.max_cache_len:
                    raise FastDecodeUnavailable(f"{slots} cache slots exceed {self.max_cache_len}")
                grown = min(self.max_cache_len, max(slots, state.capacity + state.capacity // 2))
                state.grow(round_up(grown, self.len_step), self.len_step)
                stats.cache_growths += 1
                self.graphs.clear()
                self.graphs.pool.reset()

        def join_rows(rows, regions):
            return self._join(state, rows, regions, eos_ids, pad, penalty)

        def enqueue() -> bool:
            rows = live_rows()
            if not rows:
                return False
            n = min(self.group, max(owners[r].limit - bound[r] for r in rows))  # type: ignore[union-attr]
            if n <= 0:
                return False
            ensure(max(bound) + n + 1)
            host = torch.empty(n, batch, dtype=torch.long, pin_memory=pinned)
            for j in range(n):
                attended = round_up(max(bound) + 1, self.len_step)  # bound: the slot this step writes
                host[j].copy_(self._run_step(state, attended, pad, penalty), non_blocking=pinned)
                for r in rows:
                    bound[r] = min(bound[r] + 1, owners[r].limit)  # type: ignore[union-attr]
            event = None
            if pinned:
                event = torch.cuda.Event()
                event.record()
            records.append(_Record(owners=list(owners), host=host, steps=n, event=event))
            stats.steps += n
            stats.row_steps += n * batch
            stats.busy_row_steps += n * len(rows)
            return True

        def deliver(pairs: list[tuple[int, _Live, int]]) -> list[int]:
            """One step's tokens to the caller; returns the rows whose regions ended."""
            events, ended = [], []
            for row, live, token in pairs:
                live.count += 1
                events.append((live.region.key, token))
                if token in eos or live.count >= live.region.max_new:
                    live.done = True
                    ended.append(row)
            stats.tokens += len(events)
            if not events:
                return ended
            stop = set(on_tokens(events) or ())
            for row, live, _ in pairs:
                if live.region.key in stop and not live.done:
                    live.done = True
                    ended.append(row)
            return ended

        def process(record: _Record) -> None:
            if record.event is not None:
                record.event.synchronize()
            values = record.host.tolist()
            ended: list[int] = []
            if record.join_rows is not None:
                joined: Any = [(r, record.owners[r], tok) for r, tok in zip(record.join_rows, values)]
                ended += deliver([(r, live, tok) for r, live, tok in joined if not live.done])
            else:
                for step in values:
                    pairs: Any = [(r, live, tok) for r, (live, tok) in enumerate(zip(record.owners, step))]
                    ended += deliver([(r, live, tok) for r, live, tok in pairs if live is not None and not live.done])
            stop_rows(ended)

        while True:
            if should_stop():
                rows = live_rows()
                for r in rows:
                    owners[r].done = True  # type: ignore[union-attr]
                stop_rows(rows)
                break
            join()
            enqueued = enqueue()
            if not records:
                if not source.pending() and not live_rows():
                    break
                continue
            while records and (len(records) > 1 or not enqueued):
                process(records.popleft())
                if not enqueued:
                    break
        if pinned:
            torch.cuda.current_stream().synchronize()
        stats.wall_s = time.perf_counter() - started
        return stats
