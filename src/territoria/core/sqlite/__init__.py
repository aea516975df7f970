"""Territoria's SQLite database backend (`ENGINE = "territoria.core.sqlite"`), see `base`."""
