"""Service settings, parsed once at start-up from `AVATAR_*` environment variables into a
frozen object. Nothing else in the services reads the environment.

Tests and the embedded mode build settings programmatically:
`dataclasses.replace(Settings.defaults("trainer"), grpc_port=0)`; every construction,
`replace` included, is validated, and an error names the environment variable to fix.

S3 credentials are deliberately not here: boto3 reads them through its own standard chain
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, IRSA), which keeps secrets out of
this object and out of logs.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from services.runtime.catalog import CatalogEntry, catalog_entry

MIB = 1024 * 1024
# gRPC stores message limits in a C int.
MAX_GRPC_MESSAGE_BYTES = 2**31 - 1
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "text")
STORE_SCHEMES = ("file", "s3")


class SettingsError(ValueError):
    """A setting has an invalid value; the message names the environment variable."""


# field name -> environment variable; the one place the mapping is written down.
ENV_VARS: dict[str, str] = {
    "grpc_host": "AVATAR_GRPC_HOST",
    "grpc_port": "AVATAR_GRPC_PORT",
    "metrics_host": "AVATAR_METRICS_HOST",
    "metrics_port": "AVATAR_METRICS_PORT",
    "log_level": "AVATAR_LOG_LEVEL",
    "log_format": "AVATAR_LOG_FORMAT",
    "store_url": "AVATAR_STORE_URL",
    "s3_endpoint_url": "AVATAR_S3_ENDPOINT_URL",
    "work_dir": "AVATAR_WORK_DIR",
    "models_dir": "AVATAR_MODELS_DIR",
    "max_message_bytes": "AVATAR_MAX_MESSAGE_BYTES",
    "grace_seconds": "AVATAR_GRACE_SECONDS",
    "keepalive_time_seconds": "AVATAR_KEEPALIVE_TIME_SECONDS",
    "keepalive_timeout_seconds": "AVATAR_KEEPALIVE_TIMEOUT_SECONDS",
}


@dataclass(frozen=True)
class Settings:
    """Everything a service process is configured with. Build with `from_env` (a process)
    or `defaults` + `dataclasses.replace` (tests, embedded mode)."""

    service: str
    grpc_port: int
    # 0 = an ephemeral port, -1 = no metrics HTTP endpoint.
    metrics_port: int
    grpc_host: str = "[::]"
    metrics_host: str = "0.0.0.0"
    log_level: str = "INFO"
    log_format: str = "json"
    # file://<dir> (relative to the working directory) or s3://<bucket>/<prefix>.
    store_url: str = "file://./data/store"
    # Endpoint of an S3-compatible store (MinIO); None = AWS itself.
    s3_endpoint_url: str | None = None
    # Local scratch space: datasets being processed, artifacts fetched from the store.
    work_dir: str = "./data/work"
    # Local model files (speech models, face parsing); clients name models inside it.
    models_dir: str = "./data/models"
    max_message_bytes: int = 64 * MIB
    # In-flight RPCs get this long after SIGTERM before they are cancelled.
    grace_seconds: float = 10.0
    # Server pings idle connections this often and drops them when unanswered this long.
    keepalive_time_seconds: float = 30.0
    keepalive_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        _catalog_entry(self.service)
        _check_range(self, "grpc_port", 0, 65535)
        _check_range(self, "metrics_port", -1, 65535)
        _check_nonempty(self, "grpc_host")
        _check_nonempty(self, "metrics_host")
        _check_choice(self, "log_level", LOG_LEVELS)
        _check_choice(self, "log_format", LOG_FORMATS)
        _check_store_url(self)
        _check_endpoint_url(self)
        _check_nonempty(self, "work_dir")
        _check_nonempty(self, "models_dir")
        _check_range(self, "max_message_bytes", 1, MAX_GRPC_MESSAGE_BYTES)
        _check_range(self, "grace_seconds", 0.0, 3600.0)
        _check_range(self, "keepalive_time_seconds", 1.0, 86400.0)
        _check_range(self, "keepalive_timeout_seconds", 1.0, 3600.0)

    @classmethod
    def defaults(cls, service: str) -> Settings:
        """The settings of `service` with no environment at all (its default ports)."""
        return cls.from_env(service, env={})

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> Settings:
        """Parse the `AVATAR_*` variables of `env` (default: the process environment).
        Unset or empty variables take their defaults; bad values raise SettingsError."""
        if env is None:
            env = os.environ
        entry = _catalog_entry(service)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, object] = {
            "grpc_port": entry.default_grpc_port,
            "metrics_port": entry.default_metrics_port,
        }
        for name, var in ENV_VARS.items():
            raw = env.get(var, "").strip()
            if raw:
                value = _parse(var, raw, fields[name].type)
                values[name] = _NORMALIZE[name](value) if name in _NORMALIZE else value
        return cls(service=service, **values)

    def grpc_address(self) -> str:
        """host:port to bind the gRPC server to."""
        return f"{self.grpc_host}:{self.grpc_port}"


# Case-insensitive choices in the environment ("info", "JSON") are accepted.
_NORMALIZE = {"log_level": str.upper, "log_format": str.lower}


def _catalog_entry(service: str) -> CatalogEntry:
    """The catalog row of `service`, as a SettingsError for unknown names."""
    try:
        return catalog_entry(service)
    except ValueError as error:
        raise SettingsError(str(error)) from None


def _parse(var: str, raw: str, type_name: str) -> object:
    """Convert one variable's text to its field's type (annotations are strings here)."""
    if type_name == "int":
        try:
            return int(raw, 10)
        except ValueError:
            raise SettingsError(f"{var}={raw!r} is not an integer") from None
    if type_name == "float":
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{var}={raw!r} is not a number") from None
    return raw


def _where(name: str) -> str:
    return f"{ENV_VARS[name]} ({name})"


def _check_range(settings: Settings, name: str, low: float, high: float) -> None:
    value = getattr(settings, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{_where(name)} must be a number, got {value!r}")
    if value != value or not low <= value <= high:  # value != value: NaN
        raise SettingsError(f"{_where(name)} must be between {low} and {high}, got {value!r}")


def _check_nonempty(settings: Settings, name: str) -> None:
    if not str(getattr(settings, name)).strip():
        raise SettingsError(f"{_where(name)} must not be empty")


def _check_choice(settings: Settings, name: str, choices: tuple[str, ...]) -> None:
    value = getattr(settings, name)
    if value not in choices:
        raise SettingsError(f"{_where(name)} must be one of {', '.join(choices)}, got {value!r}")


def _check_store_url(settings: Settings) -> None:
    parsed = urlparse(settings.store_url)
    if parsed.scheme not in STORE_SCHEMES:
        raise SettingsError(
            f"{_where('store_url')} must start with file:// or s3://, got {settings.store_url!r}"
        )
    if parsed.scheme == "s3" and not parsed.netloc:
        raise SettingsError(f"{_where('store_url')} must name a bucket: s3://<bucket>/<prefix>")
    if parsed.scheme == "file" and not (parsed.netloc + parsed.path):
        raise SettingsError(f"{_where('store_url')} must name a directory: file://<dir>")


def _check_endpoint_url(settings: Settings) -> None:
    url = settings.s3_endpoint_url
    if url is None:
        return
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"{_where('s3_endpoint_url')} must be an http(s):// URL, got {url!r}")
