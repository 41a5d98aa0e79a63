"""Composition root: the `h2b-workbench` command line, settings, and the wiring of all layers."""
