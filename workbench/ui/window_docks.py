"""One small function per dock of the main window: build the panel, dock it, wire its messages.

The composition root (``workbench.app``) calls these in order; each returns its panel so the
root can save and restore what the panel remembers. Every panel's ``status_message(text,
level)`` goes to the window's status area, so no panel needs to know where messages are shown.
Adding a dock = one function here and one call in the root.

Default places (the user's own layout, restored from the settings, wins): connection above audio
on the left; session and grammars as tabs, recognize and the result in columns to the
right; the events, timeline and messages as tabs at the bottom, the audio history beside them.
Columns side by side rather than stacked keep the window short enough for a 768-pixel-high
screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtGui import QAction, QKeySequence

from workbench.ui.audio_history_view import AudioHistoryView
from workbench.ui.audio_panel import AudioPanel
from workbench.ui.connection_panel import ConnectionPanel, SecretKeeper
from workbench.ui.event_list import EventList
from workbench.ui.grammar_editor import GrammarEditor
from workbench.ui.help_dialog import HelpDialog
from workbench.ui.main_window import Area, MainWindow
from workbench.ui.recognize_panel import RecognizePanel
from workbench.ui.result_panel import ResultPanel
from workbench.ui.session_panel import SessionPanel
from workbench.ui.timeline_view import TimelineView

if TYPE_CHECKING:
    from workbench.audio.sent_history import SentAudioHistory
    from workbench.controller.audio_input import AudioInput
    from workbench.controller.audio_review import AudioReview
    from workbench.controller.session_controller import SessionController
    from workbench.session.grammar_library import GrammarLibrary
    from workbench.session.timeline import Timeline
    from workbench.ui.actions import SessionActions


class _Reporting(Protocol):
    @property
    def status_message(self) -> SignalInstance: ...


def _report(window: MainWindow, panel: _Reporting) -> None:
    panel.status_message.connect(window.status.post)


def add_connection_dock(
    window: MainWindow, controller: SessionController, secrets: SecretKeeper
) -> ConnectionPanel:
    """Profiles (local / uh!live / custom), Connect, Disconnect, the local server's engine."""
    panel = ConnectionPanel(controller, secrets, window)
    panel.setObjectName("connection_panel")
    _report(window, panel)
    panel.state_text.connect(window.status.set_connection)
    window.add_dock("connection", "Connection", panel, Area.LeftDockWidgetArea)
    return panel


def add_audio_dock(window: MainWindow, audio_input: AudioInput) -> AudioPanel:
    """Input device, source (microphone, file, text, silence), waveform and level."""
    panel = AudioPanel(audio_input, window)
    panel.setObjectName("audio_panel")
    _report(window, panel)
    window.add_dock("audio", "Audio input", panel, Area.LeftDockWidgetArea)
    return panel


def add_session_dock(window: MainWindow, actions: SessionActions) -> SessionPanel:
    """OPEN / CLOSE and the session parameters (SET-PARAMS, GET-PARAMS)."""
    panel = SessionPanel(actions, window)
    panel.setObjectName("session_panel")
    _report(window, panel)
    window.add_dock("session", "Session", panel, Area.RightDockWidgetArea)
    return panel


def make_grammar_editor(window: MainWindow, library: GrammarLibrary) -> GrammarEditor:
    """The grammar editor and the preset library (docked by :func:`add_grammar_dock`, once the
    recognize panel that uses it exists)."""
    editor = GrammarEditor(library, window)
    editor.setObjectName("grammar_editor")
    return editor


def add_grammar_dock(window: MainWindow, editor: GrammarEditor) -> None:
    """The grammar editor as a tab behind the session panel.

    Added after the docks placed beside the session panel: Qt adds a dock split from a tabbed
    one as one more tab, not beside it.
    """
    window.add_dock("grammars", "Grammars", editor, Area.RightDockWidgetArea, tabify_with="session")
    window.docks["session"].raise_()


def add_recognize_dock(
    window: MainWindow, actions: SessionActions, editor: GrammarEditor | None
) -> RecognizePanel:
    """The grammar list, mode, overrides and Recognize / Start input timers / Stop."""
    panel = RecognizePanel(actions, editor, window)
    panel.setObjectName("recognize_panel")
    _report(window, panel)
    window.add_dock("recognize", "Recognize", panel, Area.RightDockWidgetArea, beside="session")
    return panel


def add_result_dock(window: MainWindow, timeline: Timeline) -> ResultPanel:
    """The last recognition: cause, transcript, NLU value, grammar, latencies."""
    panel = ResultPanel(timeline, window)
    panel.setObjectName("result_panel")
    window.add_dock("result", "Result", panel, Area.RightDockWidgetArea, beside="recognize")
    return panel


def add_events_dock(window: MainWindow, timeline: Timeline) -> EventList:
    """Every frame and note of the timeline, live."""
    events = EventList(timeline, window)
    events.setObjectName("event_list")
    window.add_dock("events", "Events", events, Area.BottomDockWidgetArea)
    return events


def add_timeline_dock(window: MainWindow, timeline: Timeline) -> TimelineView:
    """The timeline view (filters, detail pane, pairing, export), a tab beside the events."""
    view = TimelineView(timeline, window)
    view.setObjectName("timeline_view")
    _report(window, view)
    window.add_dock("timeline", "Timeline", view, Area.BottomDockWidgetArea, tabify_with="events")
    return view


def add_audio_history_dock(
    window: MainWindow, timeline: TimelineView, history: SentAudioHistory, review: AudioReview
) -> AudioHistoryView:
    """The audio sent around the timeline's selected request, its markers, play and save; in
    a column to the right of the timeline's tabs, so both show at once (selecting a row there
    shows its audio here). Splitting from the tabbed timeline would only add a tab; a dock
    added to the area with no neighbour named goes beside the docks already there."""
    view = AudioHistoryView(timeline.timeline, history, review, window)
    view.setObjectName("audio_history_view")
    _report(window, view)
    timeline.entry_selected.connect(view.show_entry)
    view.marker_selected.connect(timeline.select_seq)
    dock = window.add_dock("audio_history", "Audio history", view, Area.BottomDockWidgetArea)
    width = window.width()  # three fifths for the timeline and its detail pane
    sizes = [width * 3 // 5, width * 2 // 5]
    window.resizeDocks([window.docks["timeline"], dock], sizes, Qt.Orientation.Horizontal)
    return view


def add_help(window: MainWindow, actions: SessionActions) -> QAction:
    """Help ▸ Shortcuts and first steps (F1): the shortcuts table and the first-recognition
    guide, in a dialog that does not block the window."""
    action = QAction("Shortcuts and first steps…", window)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))

    def show() -> None:
        dialog = HelpDialog(actions, window)
        dialog.setObjectName("help_dialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    action.triggered.connect(show)
    window.help_menu.addAction(action)
    window.addAction(action)
    return action


def add_session_actions(window: MainWindow, actions: SessionActions) -> None:
    """The session commands in the Session menu (their shortcuts work in the whole window)."""
    _report(window, actions)
    menu = window.session_menu
    quit_action = window.quit_action
    for action in actions.actions():
        menu.insertAction(quit_action, action)
        window.addAction(action)
    menu.insertSeparator(quit_action)


def add_messages_dock(window: MainWindow) -> None:
    """Every status message with its time (the status bar shows only the latest)."""
    window.add_dock(
        "messages", "Messages", window.status.log, Area.BottomDockWidgetArea, beside="events"
    )
