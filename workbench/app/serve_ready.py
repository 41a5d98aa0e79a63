"""What ``serve --ready-json`` and the window's local-server child handling agree on.

Kept apart from ``serve_command`` (which imports the whole server and its recognizers) so the
window can read the child's announcements without importing any of that.
"""

from __future__ import annotations

from typing import Final

SECRET_VARIABLE: Final = "H2B_SERVE_CLIENT_SECRET"
"""Environment variable holding the client secret to accept (instead of ``--client-secret``)."""
READY_EVENT: Final = "ready"
"""``{"event": "ready", "ws_url", "http_url", "token_url", "client_id", "realm", "engine",
"model", "pid"}``: the server listens."""
ERROR_EVENT: Final = "error"
"""``{"event": "error", "error": <plain words>, "exit_code": <n>}``: it could not start."""
