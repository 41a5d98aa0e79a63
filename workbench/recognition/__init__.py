"""Offline recognition for the embedded local server: end-pointing, engines, NLU per grammar."""
