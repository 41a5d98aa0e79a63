"""The audio history view over a real session, beside a real timeline view, docked as in the app.

One real session (module fixture): the embedded server on 127.0.0.1, a :class:`SessionController`
with an audio stream, one qasync loop as in the app. OPEN, SET-PARAMS, a digits RECOGNIZE
answered by flite saying "forty two" after a second of silence, CLOSE. While it runs, a timeline
view and an audio history view docked by ``window_docks`` watch it: the RECOGNIZE row is
selected before the speech starts, and the view must follow the recognition to its end on its
own. The tests then dock fresh views over the recorded timeline and the controller's
:class:`SentAudioHistory` and drive them as a user would: select rows, pick markers, save.

Playback itself is tested with real PulseAudio elsewhere; here a fake player stands in for the
output device, for the Play and Stop plumbing only.
"""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from tests.audio_fixtures import silence, synthesize
from tests.support.keyrings import MemoryKeyring
from tests.ui.loop_support import decoder_threads, qasync_loop, run, until
from tests.unit.session.harness import Harness, complete
from workbench.app.secrets_store import SecretStore
from workbench.app.settings import Settings
from workbench.app.window_app import Workbench
from workbench.audio.memory_sources import PcmSource
from workbench.audio.sent_history import SentAudioHistory
from workbench.audio.stream import AudioStream
from workbench.client import Credentials, H2BConnection, local_profile
from workbench.controller import SessionController
from workbench.controller.audio_review import AudioReview
from workbench.protocol import CompletionCause
from workbench.protocol.messages import (
    Open,
    Opened,
    RecognitionInProgress,
    Recognize,
    StartOfInput,
)
from workbench.recognition.engine import Engine
from workbench.server.app import ServerConfig
from workbench.server.auth import Credentials as ServerCredentials
from workbench.server.runner import EmbeddedServer, default_engine
from workbench.session import Timeline
from workbench.session.audio_markers import AudioMarker, MarkerSet, markers_for
from workbench.ui import window_docks
from workbench.ui.audio_history_controls import AudioHistoryControls
from workbench.ui.audio_history_plot import MARKER_STYLES
from workbench.ui.audio_history_view import NO_AUDIO, NOTHING_SELECTED, AudioHistoryView
from workbench.ui.main_window import MainWindow
from workbench.ui.timeline_columns import Column
from workbench.ui.timeline_view import TimelineView

pytestmark = pytest.mark.timeout(90)

CLIENT_ID, SECRET = "history-client", "history-secret-value"
FAST_ENDPOINTING = {
    "speech_language": "en",
    "no_input_timeout": 5000,
    "speech_complete_timeout": 700,
    "speech_incomplete_timeout": 1500,
}
DIGITS = "builtin:speech/spelling/digits?regex=[0-9]{1,2}"


@dataclass
class Recorded:
    """What the real session left, and what the live views did meanwhile."""

    timeline: Timeline
    history: SentAudioHistory
    recognize_seq: int
    request_id: int
    running_seen: bool
    """The live view showed the recognition as running before it completed."""
    live_markers: MarkerSet | None
    """What the live view showed at the end, never reselected."""


@dataclass
class Docked:
    """A timeline view and an audio history view, docked and wired by ``window_docks``."""

    window: MainWindow
    timeline: TimelineView
    history: AudioHistoryView
    review: AudioReview


def dock(history: SentAudioHistory, timeline: Timeline, review: AudioReview) -> Docked:
    window = MainWindow()
    timeline_view = window_docks.add_timeline_dock(window, timeline)
    view = window_docks.add_audio_history_dock(window, timeline_view, history, review)
    window.show()
    return Docked(window, timeline_view, view, review)


def close(docked: Docked) -> None:
    docked.timeline.shutdown()
    docked.history.shutdown()
    docked.window.hide()  # not close(): closing the last window would stop the qasync loop
    docked.window.deleteLater()


async def _record(engine: Engine) -> Recorded:
    config = ServerConfig(credentials=ServerCredentials(CLIENT_ID, SECRET))
    spoken = np.frombuffer(
        silence(1000) + synthesize("forty two", "slt", "flite") + silence(300), dtype="<i2"
    )
    async with EmbeddedServer(engine=engine, config=config) as server:
        timeline = Timeline()
        controller = SessionController(H2BConnection.open, timeline)
        review = AudioReview(controller.audio_history)
        docked = dock(controller.audio_history, timeline, review)
        view = docked.history
        stream = AudioStream()
        controller.attach_audio(stream)
        stream.start()
        running_seen = False
        try:
            await controller.connect(local_profile(server.http_url), Credentials(CLIENT_ID, SECRET))
            await controller.open()
            await controller.set_params(FAST_ENDPOINTING)
            await asyncio.sleep(0.8)  # audio before the RECOGNIZE: the view's margin was sent
            pending = await controller.recognize([DIGITS])
            await pending.reply()
            command = timeline.command_for(pending.request_id)
            assert command is not None
            assert docked.timeline.select_seq(command.seq)
            assert view.marker_set is not None
            running_seen = view.marker_set.running
            await stream.switch_to(PcmSource(spoken, "TTS: forty two"))
            complete = await asyncio.wait_for(pending.result(), 20)
            assert complete.completion_cause is CompletionCause.SUCCESS, complete
            done = markers_for(timeline, command.seq)
            assert done is not None
            history = controller.audio_history
            await until(lambda: history.end >= done.stop, what="the audio after the end")
            await until(lambda: view.marker_set == done, what="the live view to follow")
            await controller.close()
        finally:
            await controller.aclose()
            await stream.aclose()
            await review.aclose()
        live = view.marker_set
        close(docked)
    await until(lambda: not decoder_threads(), what="the decoder threads to end")
    return Recorded(
        timeline, controller.audio_history, command.seq, pending.request_id, running_seen, live
    )


@pytest.fixture(scope="module")
def recorded(qapp: QApplication) -> Recorded:
    loops = qasync_loop(qapp)
    loop = next(loops)
    try:
        return run(loop, _record(default_engine()))
    finally:
        loops.close()


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    yield from qasync_loop(qapp)


class FakePlayer:
    """Stands in for the output device: records the clip, ends it when told."""

    def __init__(self) -> None:
        self.clips: list[np.ndarray] = []
        self.on_done: object = None
        self.played_samples = 0
        self.closed = False

    def play(self, pcm: np.ndarray, rate: int, on_done: object) -> None:
        assert rate == 8000
        self.clips.append(np.array(pcm))
        self.on_done = on_done
        self.played_samples = 0

    def stop(self) -> None:
        done, self.on_done = self.on_done, None
        if callable(done):
            done()

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def docked(qtbot: QtBot, recorded: Recorded) -> Iterator[Docked]:
    player = FakePlayer()
    review = AudioReview(recorded.history, player_factory=lambda: player)  # type: ignore[arg-type,return-value]
    docked = dock(recorded.history, recorded.timeline, review)
    docked.window.resize(1400, 700)
    try:
        yield docked
    finally:
        close(docked)


def click_row(qtbot: QtBot, view: TimelineView, seq: int) -> None:
    row = view.filter.row_of(seq)
    assert row is not None
    view.table.scrollTo(view.filter.index(row, 0))
    rect = view.table.visualRect(view.filter.index(row, Column.NAME))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selected_seq == seq


def expected_markers(recorded: Recorded) -> MarkerSet:
    markers = markers_for(
        recorded.timeline, recorded.recognize_seq, now_sample=recorded.history.end
    )
    assert markers is not None
    return markers


def the_marker(markers: MarkerSet, label: str) -> tuple[int, AudioMarker]:
    found = [(i, m) for i, m in enumerate(markers.markers) if m.label.startswith(label)]
    assert len(found) == 1, [m.label for m in markers.markers]
    return found[0]


def pick(controls: AudioHistoryControls, start_label: str, stop_label: str) -> None:
    """Choose From and To in the combo boxes, as a user does (``activated``)."""
    for combo, label in ((controls.from_combo, start_label), (controls.to_combo, stop_label)):
        row = next(i for i in range(combo.count()) if combo.itemText(i).startswith(label))
        combo.setCurrentIndex(row)
        combo.activated.emit(row)


def choose_save_path(view: AudioHistoryView, path: Path) -> tuple[str, str]:
    """Press "Save audio…" and pick ``path`` in the (non-blocking) dialog.

    Returns the name the dialog proposed and the path it chose (as Qt spells it: symbolic
    links in the folder may have been resolved).
    """
    view.controls.save_button.click()
    dialog = view.controls.findChild(QFileDialog)
    assert dialog is not None
    default = Path(dialog.selectedFiles()[0]).name
    dialog.selectFile(str(path))
    chosen = dialog.selectedFiles()[0]
    assert chosen.endswith(f"{path.parent.name}/{path.name}")
    dialog.accept()
    return default, chosen


def read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


# -- the live session ---------------------------------------------------------------------------


def test_the_view_follows_a_running_recognition_to_its_end(recorded: Recorded) -> None:
    assert recorded.running_seen
    assert recorded.live_markers == expected_markers(recorded)
    assert recorded.live_markers is not None
    assert not recorded.live_markers.running
    assert recorded.live_markers.title == f"RECOGNIZE #{recorded.request_id} → Success"


# -- selecting a row ----------------------------------------------------------------------------


def test_selecting_the_recognize_row_shows_its_markers_in_seconds(
    qtbot: QtBot, recorded: Recorded, docked: Docked
) -> None:
    view = docked.history
    assert view.showing_placeholder
    assert view.placeholder.text() == NOTHING_SELECTED
    click_row(qtbot, docked.timeline, recorded.recognize_seq)

    expected = expected_markers(recorded)
    assert view.marker_set == expected
    assert not view.showing_placeholder
    assert view.title_label.text() == expected.title
    lines = view.plot.lines
    assert [line.value() for line in lines] == [
        expected.seconds(m.sample) for m in expected.markers
    ]
    labels = [m.label for m in expected.markers]
    for name in ("RECOGNIZE", "START-OF-INPUT", "RECOGNITION-COMPLETE", "speech start"):
        assert any(label.startswith(name) for label in labels), labels
    deadlines = [m for m in expected.markers if m.kind == "deadline"]
    assert deadlines, labels
    for line, marker in zip(lines, expected.markers, strict=True):
        style = MARKER_STYLES[marker.kind]
        pen = line.pen
        assert pen.style() == style.dash
        assert pen.color().alpha() == (255 if marker.reached else 90)
        assert marker.label in line.toolTip()
        assert marker.detail in line.toolTip()
    assert any(not m.reached for m in deadlines)  # no-input: disarmed by the speech
    assert lines[0].value() == 0.0  # the RECOGNIZE is time 0

    x, y = view.plot.curve.getData()  # the envelope covers the view, one pair per column
    x0, x1 = expected.seconds(expected.start), expected.seconds(expected.stop)
    assert len(x) == 2 * view.plot.columns()
    assert x0 < x.min() < x.max() < x1
    assert y.max() > 0.1  # the speech is in it
    assert view.plot.unsent == []  # all of it was sent
    assert view.plot.x_range() == pytest.approx((x0, x1))


def test_an_entry_without_audio_shows_the_placeholder(
    qtbot: QtBot, recorded: Recorded, docked: Docked
) -> None:
    silent = next(
        e for e in recorded.timeline.entries if markers_for(recorded.timeline, e.seq) is None
    )
    click_row(qtbot, docked.timeline, recorded.recognize_seq)
    assert not docked.history.showing_placeholder
    click_row(qtbot, docked.timeline, silent.seq)
    view = docked.history
    assert view.showing_placeholder
    assert view.placeholder.text() == NO_AUDIO
    assert view.marker_set is None
    assert view.plot.lines == []
    assert view.selection() is None
    assert not view.controls.play_button.isEnabled()
    assert not view.controls.save_button.isEnabled()


# -- the selection ------------------------------------------------------------------------------


def test_from_and_to_set_the_region_and_the_file_name(
    qtbot: QtBot, recorded: Recorded, docked: Docked
) -> None:
    click_row(qtbot, docked.timeline, recorded.recognize_seq)
    view, expected = docked.history, expected_markers(recorded)
    _, recognize = the_marker(expected, "RECOGNIZE")
    _, complete = the_marker(expected, "RECOGNITION-COMPLETE")
    _, soi = the_marker(expected, "START-OF-INPUT")
    # By default: the request from its command to its last answer.
    assert view.selection() == (recognize.sample, complete.sample)

    pick(view.controls, "START-OF-INPUT", "end of the view")
    assert view.selection() == (soi.sample, expected.stop)
    assert view.plot.region_seconds() == (
        expected.seconds(soi.sample),
        expected.seconds(expected.stop),
    )

    pick(view.controls, "RECOGNIZE", "RECOGNITION-COMPLETE")
    assert view.selection() == (recognize.sample, complete.sample)
    assert view.plot.region_seconds() == (0.0, expected.seconds(complete.sample))
    name = f"request-{recorded.request_id}-RECOGNIZE-to-RECOGNITION-COMPLETE.wav"
    assert view.controls.default_file_name() == name

    # Another row of the same request keeps the selection.
    click_row(
        qtbot,
        docked.timeline,
        next(e.seq for e in recorded.timeline.entries if e.name == "START-OF-INPUT"),
    )
    assert view.selection() == (recognize.sample, complete.sample)

    view.plot.region.setRegion((0.5, 1.25))  # as a drag would, then the drag ends
    view.plot.region.sigRegionChangeFinished.emit(view.plot.region)
    assert view.selection() == (recognize.sample + 4000, recognize.sample + 10000)
    assert view.controls.from_combo.currentIndex() == -1
    assert view.controls.from_combo.placeholderText() == "+0.50 s"
    assert view.controls.default_file_name() == (
        f"request-{recorded.request_id}-0.50s-to-1.25s.wav"
    )


def test_clicking_a_marker_selects_its_entry_in_the_timeline(
    qtbot: QtBot, recorded: Recorded, docked: Docked
) -> None:
    click_row(qtbot, docked.timeline, recorded.recognize_seq)
    view, expected = docked.history, expected_markers(recorded)
    _, complete = the_marker(expected, "RECOGNITION-COMPLETE")
    plot = view.plot.widget
    box = plot.getPlotItem().getViewBox()
    scene = box.mapViewToScene(QPointF(expected.seconds(complete.sample), -0.8))
    where = plot.mapFromScene(scene)
    with qtbot.waitSignal(view.marker_selected, timeout=2000) as clicked:
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert clicked.args == [complete.seq]
    assert docked.timeline.selected_seq == complete.seq
    assert view.marker_set == expected  # the same request: nothing moved

    # Speech and deadline markers stand for no timeline row.
    speech, _ = the_marker(expected, "speech start")
    with qtbot.assertNotEmitted(view.marker_selected):
        view.plot.marker_clicked.emit(speech)
    assert docked.timeline.selected_seq == complete.seq


# -- save and play ------------------------------------------------------------------------------


def test_save_writes_the_selected_audio(
    qtbot: QtBot,
    recorded: Recorded,
    docked: Docked,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    click_row(qtbot, docked.timeline, recorded.recognize_seq)
    view = docked.history
    pick(view.controls, "RECOGNIZE", "RECOGNITION-COMPLETE")
    selection = view.selection()
    assert selection is not None
    path = tmp_path / "saved.wav"
    messages: list[tuple[str, str]] = []
    view.status_message.connect(lambda text, level: messages.append((text, level)))

    async def scenario() -> str:
        default, chosen = choose_save_path(view, path)
        assert default == f"request-{recorded.request_id}-RECOGNIZE-to-RECOGNITION-COMPLETE.wav"
        await until(lambda: bool(messages), what="the save to end")
        return chosen

    chosen = run(qloop, scenario())
    seconds = (selection[1] - selection[0]) / 8000
    assert messages == [(f"Saved {seconds:.2f} s of audio to {chosen}.", "info")]
    assert view.controls.status_label.text() == messages[0][0]
    assert np.array_equal(read_wav(path), recorded.history.read(*selection))
    assert not Path(f"{path}.part").exists()


def test_a_save_into_a_missing_folder_says_why_in_plain_words(
    qtbot: QtBot,
    recorded: Recorded,
    docked: Docked,
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
) -> None:
    click_row(qtbot, docked.timeline, recorded.recognize_seq)
    view = docked.history
    path = tmp_path / "no such folder" / "clip.wav"
    messages: list[tuple[str, str]] = []
    view.status_message.connect(lambda text, level: messages.append((text, level)))

    async def scenario() -> str:
        _, chosen = choose_save_path(view, path)
        await until(lambda: bool(messages), what="the save to fail")
        return chosen

    chosen = run(qloop, scenario())
    [(text, level)] = messages
    assert level == "error"
    assert text == (
        f"Could not save the audio to {chosen}: the folder does not exist. "
        "Pick an existing folder, or create it first."
    )
    assert view.controls.status_label.text() == text
    assert "Traceback" not in text
    assert not path.parent.exists()


def test_play_and_stop_go_through_the_review(
    qtbot: QtBot, recorded: Recorded, docked: Docked, qloop: asyncio.AbstractEventLoop
) -> None:
    click_row(qtbot, docked.timeline, recorded.recognize_seq)
    view, review = docked.history, docked.review
    pick(view.controls, "START-OF-INPUT", "RECOGNITION-COMPLETE")
    selection = view.selection()
    assert selection is not None
    controls = view.controls

    async def scenario() -> None:
        assert not controls.stop_button.isEnabled()
        controls.play_button.click()
        assert review.playing
        assert controls.stop_button.isEnabled()
        player = review._player
        assert isinstance(player, FakePlayer)
        assert np.array_equal(player.clips[-1], recorded.history.read(*selection))
        player.played_samples = 4000  # half a second in: the head follows
        await until(view.plot.head.isVisible, what="the play head")
        found = view.marker_set
        assert found is not None
        head = found.seconds(selection[0] + 4000)
        await until(lambda: view.plot.head.value() == pytest.approx(head), what="the head to move")
        controls.stop_button.click()
        await until(lambda: not view.plot.head.isVisible(), what="the head to go")
        assert not review.playing
        assert not controls.stop_button.isEnabled()

    run(qloop, scenario())
    assert controls.status_label.text() == ""


def test_playing_where_nothing_was_sent_says_so(
    qtbot: QtBot, recorded: Recorded, docked: Docked, qloop: asyncio.AbstractEventLoop
) -> None:
    click_row(qtbot, docked.timeline, recorded.recognize_seq)
    view = docked.history
    found = view.marker_set
    assert found is not None
    past = recorded.history.end + 8000
    view.controls.set_dragged(past, past + 8000)

    async def scenario() -> None:
        view.controls.play_button.click()

    run(qloop, scenario())
    text = view.controls.status_label.text()
    assert text.startswith("Nothing to play: nothing was sent between ")
    assert not docked.review.playing


# -- live updates -------------------------------------------------------------------------------


def test_the_timer_does_nothing_when_nothing_changed(
    qtbot: QtBot, recorded: Recorded, docked: Docked, qloop: asyncio.AbstractEventLoop
) -> None:
    click_row(qtbot, docked.timeline, recorded.recognize_seq)
    view = docked.history

    async def scenario() -> int:
        await asyncio.sleep(0.35)  # the first tick draws what the resize changed
        before = view.redraws
        await asyncio.sleep(0.5)
        return before

    before = run(qloop, scenario())
    assert view.redraws == before


class HandFed:
    """A view over a timeline fed frame by frame (real frames through the session harness) and
    a history fed as the forwarder feeds it: each chunk appended, then the audio position moved.
    """

    def __init__(self) -> None:
        self.h = Harness()
        self.history = SentAudioHistory(seconds=60)
        self.review = AudioReview(self.history)
        self.docked = dock(self.history, self.h.timeline, self.review)
        self.view = self.docked.history

    def send_audio(self, chunks: int, pcm: np.ndarray, *, after_a_gap: int = 0) -> None:
        for chunk in range(chunks):
            self.history.append(self.history.end + (after_a_gap if chunk == 0 else 0), pcm)
            self.h.timeline.audio_position = self.history.end


@pytest.fixture
def hand_fed(qtbot: QtBot, qloop: asyncio.AbstractEventLoop) -> Iterator[HandFed]:
    fed = HandFed()
    try:
        yield fed
    finally:
        close(fed.docked)
        run(qloop, fed.review.aclose())


def test_a_recognition_in_progress_grows_with_the_audio(
    hand_fed: HandFed, qloop: asyncio.AbstractEventLoop
) -> None:
    h, history, docked, view = hand_fed.h, hand_fed.history, hand_fed.docked, hand_fed.view
    pcm = (np.sin(np.arange(480) / 5) * 8000).astype(np.int16)

    def send_audio(chunks: int, *, after_a_gap: int = 0) -> None:
        hand_fed.send_audio(chunks, pcm, after_a_gap=after_a_gap)

    async def scenario() -> None:
        opened = h.send(Open(), at=0.0)
        assert opened.request_id is not None
        h.receive(Opened(request_id=opened.request_id, channel_id="c"), at=0.01)
        send_audio(10)
        command = h.send(Recognize(grammars=(DIGITS,)), at=0.6)
        assert command.request_id is not None
        h.receive(RecognitionInProgress(request_id=command.request_id, channel_id="c"), at=0.61)
        assert docked.timeline.select_seq(command.seq)
        found = view.marker_set
        assert found is not None
        assert found.running
        assert found.markers[0].label == f"RECOGNIZE #{command.request_id}"
        assert command.audio_sample is not None
        pick(view.controls, "RECOGNIZE", "end of the view")
        assert view.plot.x_range()[1] == pytest.approx(found.seconds(found.stop))
        assert view.plot.unsent == [] or len(view.plot.unsent) == 1  # not sent yet: the tail
        gap = history.end
        send_audio(20, after_a_gap=960)  # a chunk dropped on the way
        h.receive(StartOfInput(request_id=command.request_id, channel_id="c"), at=1.8)
        await until(
            lambda: any(m.label.startswith("START-OF-INPUT") for m in view.marker_set.markers),  # type: ignore[union-attr]
            what="START-OF-INPUT to appear",
        )
        shown = view.marker_set
        assert shown is not None
        assert shown.running
        assert view.plot.x_range()[1] == pytest.approx(shown.seconds(shown.stop))
        shaded = [tuple(shade.getRegion()) for shade in view.plot.unsent]
        assert shaded[0] == pytest.approx((shown.seconds(gap), shown.seconds(gap + 960)))
        not_yet = shown.stop - history.end  # the view's margin after the newest audio
        assert shaded[1:] == [
            pytest.approx((shown.seconds(history.end), shown.seconds(shown.stop)))
        ]
        assert f"{(960 + not_yet) / 8000:.2f} s not sent" in view.info_label.text()
        send_audio(10)  # past the markers' margin: the view follows the audio
        end = history.end
        assert end > shown.stop
        await until(
            lambda: view.plot.x_range()[1] == pytest.approx(shown.seconds(end)),
            what="the view to follow the audio",
        )
        assert view.selection() == (command.audio_sample, end)  # "end" follows too
        assert (
            view.controls.to_combo.currentText() == f"end of the view ({shown.seconds(end):+.2f} s)"
        )

    run(qloop, scenario())


def test_new_recognitions_show_by_themselves_until_a_row_is_chosen(
    hand_fed: HandFed, qloop: asyncio.AbstractEventLoop
) -> None:
    h, docked, view = hand_fed.h, hand_fed.docked, hand_fed.view
    pcm = np.full(480, 1000, dtype=np.int16)

    def send_audio(chunks: int) -> None:
        hand_fed.send_audio(chunks, pcm)

    async def scenario() -> None:
        send_audio(5)
        opened = h.send(Open(), at=0.0)
        assert opened.request_id is not None
        h.receive(Opened(request_id=opened.request_id, channel_id="c"), at=0.01)
        send_audio(5)
        assert view.showing_placeholder
        assert view.following
        first = h.send(Recognize(grammars=(DIGITS,)), at=0.5)
        await until(lambda: view.marker_set is not None, what="the RECOGNIZE to show")
        assert view.marker_set is not None
        assert view.marker_set.title == f"RECOGNIZE #{first.request_id}"
        assert view.marker_set.origin == first.audio_sample
        assert docked.timeline.selected_seq is None  # nothing was chosen in the timeline
        assert first.request_id is not None
        h.receive(RecognitionInProgress(request_id=first.request_id, channel_id="c"), at=0.51)
        h.receive(
            complete(first.request_id, CompletionCause.NO_INPUT_TIMEOUT, channel_id="c"), at=1.0
        )

        assert docked.timeline.select_seq(opened.seq)  # the user picks the OPEN row
        assert not view.following
        assert view.marker_set is not None
        assert view.marker_set.title.startswith("OPEN")
        send_audio(5)
        h.send(Recognize(grammars=(DIGITS,)), at=1.2)
        await asyncio.sleep(0.3)  # three refresh ticks
        assert view.marker_set is not None
        assert view.marker_set.title.startswith("OPEN")  # stays on what was chosen

    run(qloop, scenario())


# -- the window ---------------------------------------------------------------------------------


def test_the_app_docks_the_view_beside_the_timeline_and_closes_the_review(
    qloop: asyncio.AbstractEventLoop, tmp_path: Path
) -> None:
    async def scenario() -> None:
        app = Workbench(
            Settings(tmp_path / "settings.json"),
            server=None,
            secrets=SecretStore(MemoryKeyring()),
            save_settings=False,
        )
        await app.start()
        try:
            window = app.window
            view = window.dock_widget("audio_history")
            assert view is app.audio_history
            assert isinstance(view, AudioHistoryView)
            assert window.docks["audio_history"].isVisible()
            assert window.tabifiedDockWidgets(window.docks["audio_history"]) == []
            note = app.timeline.note("connection", "connected", "connected", 1.0, 1.0)
            assert app.timeline_view.select_seq(note.seq)
            assert view.showing_placeholder
            assert view.placeholder.text() == NO_AUDIO
        finally:
            window.close()
            await asyncio.wait_for(app.wait_closed(), 30)
            await app.dispose()
        assert not shiboken6.isValid(app.window)
        with pytest.raises(RuntimeError, match="closed"):
            app.review.play(0, 8000)

    run(qloop, scenario())
