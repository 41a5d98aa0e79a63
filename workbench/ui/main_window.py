"""The main window: docks around the session, a status area, and a close that waits for cleanup.

The window is only a frame. What goes in it is added dock by dock (``window_docks`` has one
small function per dock) by the composition root, which also owns the controller, the audio
and the local server. Three things are the window's own:

* **docks** (:meth:`MainWindow.add_dock`): each with a stable object name so Qt's
  ``saveState``/``restoreState`` can put it back where the user left it, and a toggle in the
  View menu;
* **the status area** (:class:`~workbench.ui.status_area.StatusArea`): the status bar and the
  message log, where every panel's ``status_message`` ends up;
* **closing**: the first close (the title bar's ×, Ctrl+Q) is refused and announced with
  ``close_requested``; the owner stops the recognition, closes the session, the socket, the
  audio and the local server, saves the settings, and then calls :meth:`MainWindow.finish_close`.
  The window never waits itself, so it never freezes while that happens.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QWidget

from workbench.ui import pyside_fixes  # noqa: F401  (PySide6 6.12.0 bug: see the module)
from workbench.ui.status_area import StatusArea

TITLE: Final = "H2B Workbench"
DEFAULT_SIZE: Final = (1400, 900)
Area = Qt.DockWidgetArea


class MainWindow(QMainWindow):
    """Docks, menus, the status area; closing is handed to the owner (see the module docstring).

    Signals: ``close_requested()`` when the user asks to close (once); ``first_shown()`` the
    first time the window is shown (start-up benchmarks wait for it).
    """

    close_requested = Signal()
    first_shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle(TITLE)
        self.resize(*DEFAULT_SIZE)
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.status = StatusArea(self.statusBar(), self)
        self.docks: dict[str, QDockWidget] = {}
        self._close_asked = False
        self._may_close = False
        self._shown_once = False

        self.session_menu: QMenu = self.menuBar().addMenu("&Session")
        self.view_menu: QMenu = self.menuBar().addMenu("&View")
        self.help_menu: QMenu = self.menuBar().addMenu("&Help")
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
        self.quit_action.triggered.connect(self.close)
        self.session_menu.addAction(self.quit_action)
        placeholder = QLabel("Starting…", self)
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(placeholder)
        placeholder.hide()  # the docks take the whole window

    # -- docks -------------------------------------------------------------------------------

    def add_dock(
        self,
        key: str,
        title: str,
        widget: QWidget,
        area: Area = Area.RightDockWidgetArea,
        *,
        tabify_with: str | None = None,
        beside: str | None = None,
        below: str | None = None,
    ) -> QDockWidget:
        """Put ``widget`` in a dock named ``key`` (kept in the saved layout) in ``area``: as a
        tab of the dock ``tabify_with``, or in a column ``beside`` one or a row ``below`` one
        (side by side keeps the window short enough for a 768-pixel screen). Its toggle goes
        to the View menu."""
        if key in self.docks:
            raise ValueError(f"a dock named {key!r} is already in the window")
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        if tabify_with is not None and tabify_with in self.docks:
            self.tabifyDockWidget(self.docks[tabify_with], dock)
        elif beside is not None and beside in self.docks:
            self.splitDockWidget(self.docks[beside], dock, Qt.Orientation.Horizontal)
        elif below is not None and below in self.docks:
            self.splitDockWidget(self.docks[below], dock, Qt.Orientation.Vertical)
        self.docks[key] = dock
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def dock_widget(self, key: str) -> QWidget:
        """The content of the dock ``key`` (KeyError when there is none)."""
        widget = self.docks[key].widget()
        assert widget is not None
        return widget

    # -- layout ------------------------------------------------------------------------------

    def restore_layout(self, geometry: bytes | None, state: bytes | None) -> bool:
        """Put back the size, position and docks saved at the last run; False if nothing was."""
        restored = False
        if geometry:
            restored = self.restoreGeometry(QByteArray(geometry))
        if state:
            restored = self.restoreState(QByteArray(state)) and restored
        return restored

    def layout_bytes(self) -> tuple[bytes, bytes]:
        """``(geometry, state)`` for the settings."""
        return bytes(self.saveGeometry().data()), bytes(self.saveState().data())

    # -- closing ------------------------------------------------------------------------------

    @property
    def closing(self) -> bool:
        """True once the user asked to close (the owner is cleaning up)."""
        return self._close_asked

    def finish_close(self) -> None:
        """Close for real (the owner has cleaned up)."""
        self._may_close = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._may_close:
            event.accept()
            return
        event.ignore()
        if not self._close_asked:
            self._close_asked = True
            self.status.post("Closing: ending the session and stopping the local server…")
            self.close_requested.emit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.first_shown.emit()
