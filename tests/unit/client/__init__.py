"""Unit tests of the transport's pure parts: profiles, credentials, error mapping, backoff."""
