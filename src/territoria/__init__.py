"""Territoria: a territorial intelligence platform."""

__version__ = "0.1.0"
