"""Light and dark colours that follow the system, for what the workbench paints itself.

Qt styles its own widgets from the platform's palette; the waveform (pyqtgraph) and the level
meter (custom painting) need colours of their own that match. :func:`current_theme` picks them:

* Qt 6.5+ reports the system's choice in ``QGuiApplication.styleHints().colorScheme()`` and
  announces changes with ``colorSchemeChanged`` (GNOME, KDE, Windows 10+, macOS);
* when the platform does not say (``Unknown``: the offscreen and xcb platforms without a
  desktop portal), the application palette decides: a dark window background means dark.

:class:`ThemeWatcher` (one per application, :func:`theme_watcher`) emits ``changed(Theme)`` when
the scheme or the application palette changes; views connect it to their ``apply_theme``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from workbench.ui import pyside_fixes  # noqa: F401  (PySide6 6.12.0 bug: see the module)

Scheme = Literal["light", "dark"]


@dataclass(frozen=True)
class Theme:
    """Colours (``#rrggbb``) for the views the workbench paints itself."""

    scheme: Scheme
    background: str
    foreground: str
    grid: str
    waveform: str
    meter_track: str
    meter_rms: str
    meter_peak: str
    meter_hot: str
    """Bars above -6 dBFS: close to clipping."""
    meter_hold: str
    clip_on: str
    clip_off: str

    def qcolor(self, name: str) -> QColor:
        """One of the fields above as a QColor (``theme.qcolor("waveform")``)."""
        return QColor(str(getattr(self, name)))


LIGHT = Theme(
    scheme="light",
    background="#ffffff",
    foreground="#202124",
    grid="#dadce0",
    waveform="#1a73e8",
    meter_track="#e8eaed",
    meter_rms="#188038",
    meter_peak="#81c995",
    meter_hot="#e37400",
    meter_hold="#202124",
    clip_on="#d93025",
    clip_off="#dadce0",
)
DARK = Theme(
    scheme="dark",
    background="#1e1f22",
    foreground="#e8eaed",
    grid="#3c4043",
    waveform="#8ab4f8",
    meter_track="#303134",
    meter_rms="#81c995",
    meter_peak="#2d5f3f",
    meter_hot="#fdd663",
    meter_hold="#e8eaed",
    clip_on="#f28b82",
    clip_off="#3c4043",
)
THEMES: dict[Scheme, Theme] = {"light": LIGHT, "dark": DARK}


def scheme_from(color_scheme: Qt.ColorScheme, palette: QPalette | None = None) -> Scheme:
    """The scheme Qt reports; when it reports none, what the palette's window colour says."""
    if color_scheme == Qt.ColorScheme.Dark:
        return "dark"
    if color_scheme == Qt.ColorScheme.Light:
        return "light"
    if palette is None:
        palette = QGuiApplication.palette()
    return "dark" if palette.color(QPalette.ColorRole.Window).lightness() < 128 else "light"


def current_theme() -> Theme:
    """The theme for the system's colour scheme now (a QGuiApplication must exist)."""
    return THEMES[scheme_from(QGuiApplication.styleHints().colorScheme())]


class ThemeWatcher(QObject):
    """Emits ``changed(Theme)`` when the system's colour scheme (or the palette) changes.

    The scheme comes with ``colorSchemeChanged``. A palette change has no signal in Qt 6 (only
    an ``ApplicationPaletteChange`` event to every widget), so views call :meth:`refresh` from
    their ``changeEvent``; a global event filter would cost a Python call per event.
    """

    changed = Signal(object)

    def __init__(self, app: QGuiApplication) -> None:
        super().__init__(app)
        self._theme = current_theme()
        app.styleHints().colorSchemeChanged.connect(self.on_style_hints_color_scheme_changed)

    @property
    def theme(self) -> Theme:
        return self._theme

    def on_style_hints_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        self._update(THEMES[scheme_from(scheme)])

    def refresh(self) -> None:
        """Look at the scheme and palette again (after an ``ApplicationPaletteChange``)."""
        self._update(current_theme())

    def _update(self, theme: Theme) -> None:
        if theme != self._theme:
            self._theme = theme
            self.changed.emit(theme)


def theme_watcher() -> ThemeWatcher:
    """The application's watcher, made on first use (a QApplication must exist)."""
    app = QApplication.instance()
    if not isinstance(app, QGuiApplication):
        raise RuntimeError("theme_watcher() needs a QApplication")
    watcher = app.findChild(ThemeWatcher, "h2b-theme-watcher")
    if watcher is None:
        watcher = ThemeWatcher(app)
        watcher.setObjectName("h2b-theme-watcher")
    return watcher
