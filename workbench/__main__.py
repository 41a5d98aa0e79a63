"""`python -m workbench`: the same as the `h2b-workbench` command."""

from __future__ import annotations

from workbench.app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
