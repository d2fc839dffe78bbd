"""The artifact store: where videos, datasets, track params, checkpoints and rendered
videos live, behind one interface with a local-directory implementation (the default) and
an S3-compatible one. Writes commit atomically, reads verify sha256, and client keys are
validated so none escapes the store.

    store = open_store("file:///var/lib/avatar")        # or "s3://bucket/prefix", endpoint_url=...
    info = store.put_file("videos/abc/input.mp4", path, kind="video")
    tree = store.put_tree("datasets/abc", dataset_dir, kind="dataset")

The S3 implementation (talkinghead.store.s3.S3Store) is imported on demand, so importing
this package does not load boto3.
"""

from talkinghead.store.artifact import ArtifactInfo, TreeInfo
from talkinghead.store.base import TREE_MANIFEST_NAME, ArtifactStore
from talkinghead.store.factory import open_store
from talkinghead.store.hashing import HashingWriter, VerifyingReader
from talkinghead.store.keys import join_key, validate_id, validate_key
from talkinghead.store.local import LocalStore

__all__ = [
    "TREE_MANIFEST_NAME",
    "ArtifactInfo",
    "ArtifactStore",
    "HashingWriter",
    "LocalStore",
    "TreeInfo",
    "VerifyingReader",
    "join_key",
    "open_store",
    "validate_id",
    "validate_key",
]
