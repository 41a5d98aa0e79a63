"""H2B Workbench: a desktop workbench for the Stream H2B real-time voice-bot API."""

__version__ = "0.1.0"
