"""UploadSession: nothing stays visible after an abort, whatever order the calls come in."""

from __future__ import annotations

import threading
import time

import pytest

from talkinghead.errors import FailedPreconditionError
from talkinghead.preprocess.datasets import DatasetRepository
from talkinghead.store import open_store


@pytest.fixture()
def repo(tmp_path):
    return DatasetRepository(open_store(str(tmp_path / "store")), tmp_path / "work")


def test_abort_after_commit_deletes_the_video(repo):
    session = repo.begin_upload("a.mp4", "d1")
    session.write(b"x" * 1000)
    info = session.commit()
    assert info.size_bytes == 1000
    assert [a.key for a in repo.store.list("uploads")] == ["uploads/d1/a.mp4"]
    session.abort(RuntimeError("client cancelled"))
    assert repo.store.list("uploads") == []
    # the id is free again
    repo.save_upload("a.mp4", [b"y" * 10], "d1")
    assert repo.store.get_bytes("uploads/d1/a.mp4") == b"y" * 10


def test_abort_waits_for_a_write_in_another_thread(repo, monkeypatch):
    session = repo.begin_upload("a.mp4", "d2")
    started = threading.Event()
    real_write = session._writer.write

    def slow_write(data):
        started.set()
        time.sleep(0.3)
        return real_write(data)

    monkeypatch.setattr(session._writer, "write", slow_write)
    writer = threading.Thread(target=session.write, args=(b"z" * 100,))
    writer.start()
    started.wait(5)
    session.abort(RuntimeError("cancelled"))  # must not interleave with the write
    writer.join(5)
    assert repo.store.list("uploads") == []
    with pytest.raises(FailedPreconditionError, match="aborted"):
        session.write(b"more")
    with pytest.raises(FailedPreconditionError, match="aborted"):
        session.commit()
