"""Settings parsed from AVATAR_* variables: the documented defaults, parsing, and a clear
error naming the variable for every invalid value, from the environment and from
`dataclasses.replace`. The server refuses to start on invalid settings."""

from __future__ import annotations

import dataclasses

import pytest

from services.runtime.server import main
from services.runtime.settings import Settings, SettingsError

# From the foundation issue: per-service default ports.
DEFAULT_PORTS = {
    "preprocess": (50051, 9091),
    "tracker": (50052, 9092),
    "trainer": (50053, 9093),
    "renderer": (50054, 9094),
}


@pytest.mark.parametrize("name", sorted(DEFAULT_PORTS))
def test_defaults_without_environment(name):
    settings = Settings.from_env(name, env={})
    assert (settings.grpc_port, settings.metrics_port) == DEFAULT_PORTS[name]
    assert settings.max_message_bytes == 64 * 1024 * 1024
    assert settings.grace_seconds == 10
    assert settings.store_url.startswith("file://")
    assert settings.s3_endpoint_url is None
    assert settings == Settings.defaults(name)


def test_values_are_parsed_from_the_environment():
    env = {
        "AVATAR_GRPC_HOST": "127.0.0.1",
        "AVATAR_GRPC_PORT": "0",
        "AVATAR_METRICS_PORT": "-1",
        "AVATAR_LOG_LEVEL": "debug",
        "AVATAR_LOG_FORMAT": "TEXT",
        "AVATAR_STORE_URL": "s3://bucket/prefix",
        "AVATAR_S3_ENDPOINT_URL": "http://minio:9000",
        "AVATAR_MAX_MESSAGE_BYTES": "1048576",
        "AVATAR_GRACE_SECONDS": "2.5",
        "AVATAR_KEEPALIVE_TIME_SECONDS": "20",
        "AVATAR_KEEPALIVE_TIMEOUT_SECONDS": "5",
        "UNRELATED": "ignored",
    }
    settings = Settings.from_env("renderer", env)
    assert settings.grpc_address() == "127.0.0.1:0"
    assert settings.metrics_port == -1
    assert (settings.log_level, settings.log_format) == ("DEBUG", "text")
    assert settings.store_url == "s3://bucket/prefix"
    assert settings.s3_endpoint_url == "http://minio:9000"
    assert settings.max_message_bytes == 1024 * 1024
    assert settings.grace_seconds == 2.5
    assert (settings.keepalive_time_seconds, settings.keepalive_timeout_seconds) == (20, 5)


def test_empty_variables_take_the_default():
    assert Settings.from_env("trainer", {"AVATAR_GRPC_PORT": " "}).grpc_port == 50053


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AVATAR_GRPC_PORT", "fifty"),
        ("AVATAR_GRPC_PORT", "70000"),
        ("AVATAR_GRPC_PORT", "-1"),
        ("AVATAR_GRPC_PORT", "1.5"),
        ("AVATAR_METRICS_PORT", "-2"),
        ("AVATAR_LOG_LEVEL", "LOUD"),
        ("AVATAR_LOG_FORMAT", "xml"),
        ("AVATAR_STORE_URL", "ftp://host/dir"),
        ("AVATAR_STORE_URL", "/plain/path"),
        ("AVATAR_STORE_URL", "s3://"),
        ("AVATAR_S3_ENDPOINT_URL", "minio:9000"),
        ("AVATAR_MAX_MESSAGE_BYTES", "0"),
        ("AVATAR_MAX_MESSAGE_BYTES", "4294967296"),
        ("AVATAR_GRACE_SECONDS", "-1"),
        ("AVATAR_GRACE_SECONDS", "nan"),
        ("AVATAR_GRACE_SECONDS", "soon"),
        ("AVATAR_KEEPALIVE_TIME_SECONDS", "0"),
        ("AVATAR_KEEPALIVE_TIMEOUT_SECONDS", "x"),
    ],
)
def test_invalid_value_names_the_variable(variable, value):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env("trainer", {variable: value})
    assert variable in str(raised.value)


def test_replace_is_validated_too():
    settings = Settings.defaults("tracker")
    assert dataclasses.replace(settings, grpc_port=0).grpc_port == 0
    with pytest.raises(SettingsError, match="AVATAR_GRPC_PORT"):
        dataclasses.replace(settings, grpc_port=65536)
    with pytest.raises(SettingsError, match="AVATAR_GRPC_HOST"):
        dataclasses.replace(settings, grpc_host=" ")
    with pytest.raises(SettingsError, match="AVATAR_MAX_MESSAGE_BYTES"):
        dataclasses.replace(settings, max_message_bytes=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.grpc_port = 1  # type: ignore[misc]


def test_unknown_service_is_refused():
    with pytest.raises(SettingsError, match="unknown service 'painter'"):
        Settings.from_env("painter", {})


def test_server_refuses_to_start_with_invalid_settings(capsys):
    exit_code = main("trainer", env={"AVATAR_GRPC_PORT": "not-a-port"})
    assert exit_code == 2
    assert "AVATAR_GRPC_PORT='not-a-port' is not an integer" in capsys.readouterr().err
