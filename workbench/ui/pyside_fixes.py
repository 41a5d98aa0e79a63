"""A guarded workaround for a PySide6 6.12.0 reference-count bug that aborts the interpreter.

In PySide6 6.12.0, ``SignalInstance.emit()`` and ``SignalInstance.disconnect()`` return ``True``
or ``False`` without owning a reference to it. Each call made from Python therefore takes one
reference away from the ``True`` (or ``False``) singleton; after a few hundred calls its count
reaches zero and CPython aborts with "Fatal Python error: bool_dealloc: deallocating True or
False". 6.11.2 does not do this. Everything that emits from Python is hit: our widgets'
signals, pyqtgraph (several emits per ``setData``, so a 30 fps waveform dies within a minute),
qasync (``call_soon_threadsafe`` emits, so does every ``asyncio.to_thread`` result) and pytest-qt.

:func:`apply` (run on import) probes both methods on a private object. Only when a probe shows
the lost references does it wrap them in a function that gives the returned bool back its
reference, so a fixed PySide6 is left untouched. The real fix is a PySide6 without the bug
(pin ``PySide6-Essentials != 6.12.0``); this keeps the app and the tests alive meanwhile.
"""

from __future__ import annotations

import ctypes
import sys
import warnings
from collections.abc import Callable
from typing import Any, Final

from PySide6.QtCore import QObject, Signal, SignalInstance

PROBE_CALLS: Final = 8
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None
patched: list[str] = []
"""The names of the SignalInstance methods wrapped (empty when PySide6 does not need it)."""


class _Probe(QObject):
    probed = Signal()


def _noop() -> None:
    """The probe's receiver."""


def _lost_references(call: Callable[[], object]) -> tuple[int, int]:
    """How many references to (True, False) ``PROBE_CALLS`` calls of ``call`` took away."""
    before = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(PROBE_CALLS):
        call()
    return before[0] - sys.getrefcount(True), before[1] - sys.getrefcount(False)


def _compensate(lost: tuple[int, int]) -> None:
    for value, count in zip((True, False), lost, strict=True):
        for _ in range(max(0, count)):
            _incref(value)


def _owning(original: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: SignalInstance, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if result is True or result is False:
            _incref(result)
        return result

    method.__name__ = getattr(original, "__name__", "method")
    method.__doc__ = getattr(original, "__doc__", None)
    return method


def apply() -> list[str]:
    """Wrap the methods that lose references (once per process); returns their names."""
    if patched or getattr(SignalInstance, "_h2b_checked", False):
        return patched
    probe = _Probe()
    lost_emit = _lost_references(probe.probed.emit)

    def connect_and_disconnect() -> object:
        probe.probed.connect(_noop)
        return probe.probed.disconnect(_noop)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lost_disconnect = _lost_references(connect_and_disconnect)
    for name, lost in (("emit", lost_emit), ("disconnect", lost_disconnect)):
        if sum(lost) >= PROBE_CALLS:
            _compensate(lost)
            setattr(SignalInstance, name, _owning(getattr(SignalInstance, name)))
            patched.append(name)
    SignalInstance._h2b_checked = True  # type: ignore[attr-defined]
    return patched


apply()
