"""Opening the artifact store a service is configured with (one place, from Settings)."""

from __future__ import annotations

from pathlib import Path

from services.runtime.settings import Settings
from talkinghead.store import ArtifactStore, open_store


def open_store_for(settings: Settings) -> ArtifactStore:
    """The store at `settings.store_url`; S3 credentials come from boto3's usual sources
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a mounted secret, an instance role)."""
    url = settings.store_url
    if url.startswith("file://") and not url.startswith("file:///"):
        # file://./data/store: relative to the working directory (the default).
        return open_store(str(Path(url.removeprefix("file://")).resolve()))
    options = {}
    if url.startswith("s3://") and settings.s3_endpoint_url:
        options["endpoint_url"] = settings.s3_endpoint_url
    return open_store(url, **options)
