"""The embedded local H2B server: token endpoint, ``/bots`` WebSocket, sessions and recognition."""
