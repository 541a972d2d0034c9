"""Sources for the media tests, generated once per run with ffmpeg's lavfi sources."""
from __future__ import annotations

import pytest

from tests import media_factory


class Sources:
    """Builds each file on first use, in one folder shared by the whole run."""

    def __init__(self, folder):
        self.folder = folder
        self._built = {}

    def __getattr__(self, name):
        maker = getattr(media_factory, name, None)
        if maker is None or name.startswith("_"):
            raise AttributeError(name)
        if name not in self._built:
            target = self.folder / name
            target.mkdir()
            self._built[name] = maker(target)
        return self._built[name]


@pytest.fixture(scope="session")
def sources(tmp_path_factory):
    return Sources(tmp_path_factory.mktemp("media-sources"))
