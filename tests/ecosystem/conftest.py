"""Fixtures of the KBO import's tests."""

import pytest

from territoria.ecosystem.kbo import parts


@pytest.fixture
def helped(monkeypatch) -> list[str]:
    """The files whose second half the helper process was given."""
    given: list[str] = []
    check = parts.Helper.check

    def recorded(self, extract, name, *rest):
        given.append(name)
        return check(self, extract, name, *rest)

    monkeypatch.setattr(parts.Helper, "check", recorded)
    return given
