"""Sans-IO core of the Stream H2B protocol, shared by the client and the local server."""
