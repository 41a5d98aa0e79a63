"""The frozen app's entry point: ``h2b-workbench`` with the command line of ``workbench.app.cli``.

``freeze_support`` comes first: the local server's pocketsphinx decoders run in worker processes
started with ``spawn``, and in a frozen app a worker is this same executable started with
multiprocessing's arguments; ``freeze_support`` turns such a start into the worker and never
returns. The local server itself is this executable too (``h2b-workbench serve …``).
"""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from workbench.app.cli import main

    raise SystemExit(main())
