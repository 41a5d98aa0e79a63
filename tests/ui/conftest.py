"""Qt widget tests: real widgets on the offscreen platform (no display needed).

The platform must be chosen before the QApplication exists; pytest-qt creates it lazily at the
first ``qtbot``, after this module has run.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
