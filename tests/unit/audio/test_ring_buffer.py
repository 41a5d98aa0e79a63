"""FrameRing: wrap-around, overruns, partial reads, discard, and a real producer thread."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.audio.ring_buffer import FrameRing


def _frames(start: int, count: int, channels: int = 1) -> np.ndarray:
    """Frames numbered start, start+1…; channel c holds number * 10 + c."""
    numbers = np.arange(start, start + count, dtype=np.float32)[:, None]
    return numbers * 10 + np.arange(channels, dtype=np.float32)[None, :]


def test_frames_come_back_in_order_across_the_wrap() -> None:
    ring = FrameRing(8, channels=2)
    assert ring.write(_frames(0, 5, 2)) == 5
    assert ring.read().tolist() == _frames(0, 5, 2).tolist()
    assert ring.write(_frames(5, 6, 2)) == 6  # positions 5, 6, 7, 0, 1, 2
    out = ring.read()
    assert out.shape == (6, 2)
    assert out.tolist() == _frames(5, 6, 2).tolist()
    assert ring.available == 0
    assert ring.frames_written == 11
    assert ring.overruns == 0


def test_a_full_ring_drops_the_newest_frames_and_counts_them() -> None:
    ring = FrameRing(4)
    assert ring.write(np.arange(6, dtype=np.float32)) == 4
    assert (ring.overruns, ring.overrun_frames) == (1, 2)
    assert ring.write(np.arange(3, dtype=np.float32)) == 0
    assert (ring.overruns, ring.overrun_frames) == (2, 5)
    assert ring.read()[:, 0].tolist() == [0, 1, 2, 3]  # what was kept is the oldest
    assert ring.write(np.arange(2, dtype=np.float32)) == 2
    assert ring.overruns == 2


def test_read_with_a_maximum_and_discard() -> None:
    ring = FrameRing(10, dtype=np.int16)
    ring.write(np.arange(7, dtype=np.int16))
    first = ring.read(3)
    assert first.dtype == np.int16
    assert first[:, 0].tolist() == [0, 1, 2]
    assert ring.discard(2) == 2
    assert ring.read(100)[:, 0].tolist() == [5, 6]
    assert ring.read().shape == (0, 1)
    assert ring.discard(5) == 0
    ring.write(np.arange(4, dtype=np.int16))
    assert ring.discard(10) == 4
    assert ring.available == 0


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        FrameRing(0)
    with pytest.raises(ValueError, match="capacity"):
        FrameRing(4, channels=0)


_operations = st.lists(
    st.one_of(
        st.tuples(st.just("write"), st.integers(0, 12)),
        st.tuples(st.just("read"), st.one_of(st.none(), st.integers(0, 12))),
        st.tuples(st.just("discard"), st.integers(0, 12)),
    ),
    max_size=40,
)


@given(capacity=st.integers(1, 10), operations=_operations)
def test_ring_behaves_like_a_bounded_list(
    capacity: int, operations: list[tuple[str, int | None]]
) -> None:
    ring = FrameRing(capacity, dtype=np.int64)
    model: list[int] = []
    counter = dropped = drops = 0
    for name, amount in operations:
        if name == "write":
            assert amount is not None
            block = np.arange(counter, counter + amount, dtype=np.int64)
            counter += amount
            kept = min(amount, capacity - len(model))
            assert ring.write(block) == kept
            model.extend(block[:kept].tolist())
            if kept < amount:
                dropped += amount - kept
                drops += 1
        elif name == "read":
            count = len(model) if amount is None else min(amount, len(model))
            assert ring.read(amount)[:, 0].tolist() == model[:count]
            del model[:count]
        else:
            assert amount is not None
            assert ring.discard(amount) == min(amount, len(model))
            del model[:amount]
        assert ring.available == len(model)
        assert (ring.overrun_frames, ring.overruns) == (dropped, drops)


def _produce(ring: FrameRing, total: int, block: int, wait_for_room: bool) -> None:
    sent = 0
    while sent < total:
        count = min(block, total - sent)
        if wait_for_room:
            while ring.capacity - ring.available < count:
                time.sleep(0.0001)
        ring.write(_frames(sent, count))
        sent += count


def _consume(
    ring: FrameRing,
    producer: threading.Thread,
    reads: list[np.ndarray],
    most: int = 97,
    pause: float = 0.0,
) -> None:
    deadline = time.monotonic() + 10
    while (producer.is_alive() or ring.available) and time.monotonic() < deadline:
        got = ring.read(most)
        if len(got):
            reads.append(got[:, 0])
        time.sleep(pause if len(got) else 0.0001)


def test_a_producer_thread_delivers_every_frame_in_order() -> None:
    ring = FrameRing(256)
    total = 50_000
    producer = threading.Thread(target=_produce, args=(ring, total, 160, True))
    reads: list[np.ndarray] = []
    producer.start()
    _consume(ring, producer, reads)
    producer.join(timeout=10)
    received = np.concatenate(reads)
    assert ring.overruns == 0
    assert received.tolist() == (np.arange(total, dtype=np.float32) * 10).tolist()


def test_an_overrun_loses_whole_frames_but_never_reorders() -> None:
    ring = FrameRing(64)
    total = 20_000
    producer = threading.Thread(target=_produce, args=(ring, total, 50, False))
    reads: list[np.ndarray] = []
    producer.start()
    # A slow consumer (10 frames a millisecond at most) behind a producer that never waits.
    _consume(ring, producer, reads, most=10, pause=0.001)
    producer.join(timeout=10)
    received = np.concatenate(reads) / 10
    assert ring.overrun_frames > 0
    assert len(received) == total - ring.overrun_frames
    assert (np.diff(received) > 0).all()  # in order, nothing twice
    assert set(received.tolist()) <= set(range(total))
