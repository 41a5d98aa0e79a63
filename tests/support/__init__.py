"""Helpers shared by several test packages (real services started for a test, never mocks)."""
