"""LocalStorage: key validation and atomic publishing of a rendition folder."""
from __future__ import annotations

import threading

import pytest

from app.core.storage import InvalidKey, LocalStorage, validate_key


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "media")


def ladder_folder(folder, version):
    folder.mkdir()
    for name in ("240p.mp4", "360p.mp4", "poster.jpg"):
        (folder / name).write_bytes(f"{version}:{name}".encode() * 1000)
    return folder


@pytest.mark.parametrize("key", ["media/1/v1/360p.mp4", "media/123/v2/poster.jpg", "a", "x/y_z-1.2.m4a"])
def test_valid_keys(key):
    assert validate_key(key) == key


@pytest.mark.parametrize("key", [
    "../etc/passwd", "media/../../etc/passwd", "/etc/passwd", "media//1", "media/1/", "", ".staging/x",
    "media/./1", "Media/1.mp4", "media/课程.mp4", "media/my video.mp4", "media\\1.mp4", "c:/x", "media/1\x00",
    "media/-/..", "a" * 600, None, 5,
])
def test_hostile_keys_are_refused(storage, key):
    with pytest.raises(InvalidKey):
        validate_key(key)
    with pytest.raises(InvalidKey):
        storage.exists(key)


def test_put_tree_publishes_the_whole_folder(storage, tmp_path):
    keys = storage.put_tree(ladder_folder(tmp_path / "work", "v1"), "media/7/v1")
    assert keys == ["media/7/v1/240p.mp4", "media/7/v1/360p.mp4", "media/7/v1/poster.jpg"]
    assert storage.list_prefix("media/7/v1") == keys
    with storage.open("media/7/v1/360p.mp4") as handle:
        assert handle.read(11) == b"v1:360p.mp4"
    assert storage.size("media/7/v1/poster.jpg") == len(b"v1:poster.jpg") * 1000
    assert storage.path_for("media/7/v1/240p.mp4") == storage.root / "media/7/v1/240p.mp4"
    # Nothing is left in staging.
    assert list((storage.root / ".staging").iterdir()) == []


def test_put_tree_replaces_a_tree_as_a_whole(storage, tmp_path):
    storage.put_tree(ladder_folder(tmp_path / "one", "v1"), "media/7/current")
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "audio.m4a").write_bytes(b"v2")
    storage.put_tree(tmp_path / "two", "media/7/current")
    assert storage.list_prefix("media/7/current") == ["media/7/current/audio.m4a"]


def test_readers_never_see_half_a_ladder(storage, tmp_path):
    """While a ladder is published, a reader polling the folder sees none of it or all of it."""
    folder = ladder_folder(tmp_path / "work", "v1")
    for index in range(40):
        (folder / f"extra{index}.bin").write_bytes(b"x" * 100_000)
    expected = len(list(folder.iterdir()))
    observed = set()
    done = threading.Event()

    def watch():
        while not done.is_set():
            observed.add(len(storage.list_prefix("media/9/v1")))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        storage.put_tree(folder, "media/9/v1")
    finally:
        done.set()
        watcher.join()
    observed.add(len(storage.list_prefix("media/9/v1")))
    assert observed <= {0, expected} and expected in observed


def test_a_failed_publish_leaves_nothing(storage, tmp_path):
    folder = ladder_folder(tmp_path / "work", "v1")
    (folder / "Bad Name.mp4").write_bytes(b"x")
    with pytest.raises(InvalidKey):
        storage.put_tree(folder, "media/5/v1")
    assert not storage.exists("media/5/v1")
    assert not (storage.root / ".staging").exists() or list((storage.root / ".staging").iterdir()) == []


def test_put_file_and_delete_prefix(storage, tmp_path):
    upload = tmp_path / "上传 的 文件.mp4"
    upload.write_bytes(b"original")
    storage.put_file(upload, "media/3/source")
    assert storage.exists("media/3/source") and storage.size("media/3/source") == 8
    storage.put_tree(ladder_folder(tmp_path / "work", "v1"), "media/3/v1")
    storage.delete_prefix("media/3")
    assert not storage.exists("media/3/source") and storage.list_prefix("media/3") == []
    storage.delete_prefix("media/3")  # deleting what is gone is fine


def test_a_symlink_cannot_lead_out_of_the_root(storage, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (storage.root / "media").mkdir()
    (storage.root / "media" / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        storage.path_for("media/link/secret")
