import pytest

from territoria.core.env import (
    ConfigurationError,
    email_backend_settings,
    env_bool,
    env_int,
    env_list,
)


def test_it_reads_booleans_in_the_usual_spellings(monkeypatch):
    for raw, expected in [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)]:
        monkeypatch.setenv("X_FLAG", raw)
        assert env_bool("X_FLAG") is expected


def test_it_names_the_variable_of_a_bad_value(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ConfigurationError, match="X_FLAG='maybe'"):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ConfigurationError, match="X_INT='ten'"):
        env_int("X_INT", 3)


def test_it_uses_defaults_when_unset(monkeypatch):
    monkeypatch.delenv("X_UNSET", raising=False)
    assert env_int("X_UNSET", 7) == 7
    assert env_list("X_UNSET", ["a"]) == ["a"]
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]


def test_it_reads_an_smtp_url():
    config = email_backend_settings("smtp+tls://mailer%40agency:s3cret@mail.example:2525")
    assert config["EMAIL_HOST"] == "mail.example"
    assert config["EMAIL_PORT"] == 2525
    assert config["EMAIL_HOST_USER"] == "mailer@agency"
    assert config["EMAIL_HOST_PASSWORD"] == "s3cret"
    assert config["EMAIL_USE_TLS"] is True


def test_it_refuses_an_unknown_email_scheme():
    with pytest.raises(ConfigurationError, match="EMAIL_URL"):
        email_backend_settings("pigeon://roof")
