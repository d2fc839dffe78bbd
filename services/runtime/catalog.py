"""The table of the four services: short name, default ports and the module holding the
service's `SPEC`. The CLI, `Settings` and the embedded mode all read it from here."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the spec module imports grpc; the table itself stays import-light
    from services.runtime.service import ServiceSpec


@dataclass(frozen=True)
class CatalogEntry:
    """One row of the table: a service's short name, default ports and spec module."""

    name: str
    default_grpc_port: int
    default_metrics_port: int

    @property
    def module(self) -> str:
        """Import path of the package whose `SPEC` describes the service."""
        return f"services.{self.name}"


# Pipeline order: a video goes through preprocess, tracker, trainer, then renderer.
CATALOG: dict[str, CatalogEntry] = {
    entry.name: entry
    for entry in (
        CatalogEntry("preprocess", 50051, 9091),
        CatalogEntry("tracker", 50052, 9092),
        CatalogEntry("trainer", 50053, 9093),
        CatalogEntry("renderer", 50054, 9094),
    )
}
SERVICE_NAMES: tuple[str, ...] = tuple(CATALOG)


def catalog_entry(name: str) -> CatalogEntry:
    """The table row of `name`; ValueError naming the known services for any other name."""
    try:
        return CATALOG[name]
    except KeyError:
        known = ", ".join(SERVICE_NAMES)
        raise ValueError(f"unknown service {name!r}; known services: {known}") from None


def load_spec(name: str) -> ServiceSpec:
    """Import `services.<name>` and return its `SPEC` (the one pattern all four follow)."""
    module = importlib.import_module(catalog_entry(name).module)
    return module.SPEC
