"""Plain-Python change notifications: what a Qt view will turn into signals."""

from __future__ import annotations

import logging

import pytest

from workbench.session import Timeline, TimelineChange


def _note(timeline: Timeline, text: str) -> None:
    timeline.note("note", "n", text, 0.0, 0.0)


def test_subscribers_see_every_append_in_order_until_they_unsubscribe() -> None:
    timeline = Timeline()
    seen: list[TimelineChange] = []
    unsubscribe = timeline.subscribe(seen.append)
    _note(timeline, "one")
    _note(timeline, "two")
    unsubscribe()
    _note(timeline, "three")
    unsubscribe()  # twice is harmless
    assert [(c.kind, c.entry.seq, c.entry.summary) for c in seen] == [
        ("appended", 0, "one"),
        ("appended", 1, "two"),
    ]
    assert all(c.previous is None for c in seen)


def test_an_observer_can_unsubscribe_from_inside_its_callback() -> None:
    timeline = Timeline()
    seen: list[int] = []
    other: list[int] = []

    def once(change: TimelineChange) -> None:
        seen.append(change.entry.seq)
        unsubscribe()

    unsubscribe = timeline.subscribe(once)
    timeline.subscribe(lambda change: other.append(change.entry.seq))
    _note(timeline, "a")
    _note(timeline, "b")
    assert seen == [0]
    assert other == [0, 1]


def test_a_raising_observer_is_logged_and_does_not_break_appending(
    caplog: pytest.LogCaptureFixture,
) -> None:
    timeline = Timeline()
    after: list[int] = []

    def broken(change: TimelineChange) -> None:
        raise RuntimeError("view went away")

    timeline.subscribe(broken)
    timeline.subscribe(lambda change: after.append(change.entry.seq))
    with caplog.at_level(logging.ERROR, logger="workbench.session.timeline"):
        _note(timeline, "still recorded")
    assert len(timeline) == 1
    assert after == [0]
    [record] = [r for r in caplog.records if r.name == "workbench.session.timeline"]
    assert "timeline observer" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


def test_an_observer_may_append_from_its_callback() -> None:
    timeline = Timeline()
    seen: list[str] = []

    def echo(change: TimelineChange) -> None:
        seen.append(change.entry.summary)
        if change.entry.summary == "ping":
            _note(timeline, "pong")

    timeline.subscribe(echo)
    _note(timeline, "ping")
    assert seen == ["ping", "pong"]
    assert [e.summary for e in timeline] == ["ping", "pong"]


def test_entries_are_immutable() -> None:
    timeline = Timeline()
    timeline.note("note", "n", "text", 0.0, 0.0, details={"a": [1, 2]})
    entry = timeline.entry(0)
    with pytest.raises(AttributeError):
        entry.summary = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        entry.data["details"]["a"] = 3
    assert entry.data["details"]["a"] == (1, 2)
    assert hash(entry) == hash(entry)
