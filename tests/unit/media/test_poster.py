"""Posters sized for the page: a busy portrait phone recording gets an upright poster under 30 KB."""
from __future__ import annotations

import pytest

from app.media.probe import probe
from app.media.transcode import POSTER_BOX, make_poster, run_transcode
from tests.unit.media.test_transcode import ffprobe, pixel

pytestmark = pytest.mark.slow

POSTER_LIMIT = 30 * 1024


def _poster_size(path):
    stream = ffprobe(path)["streams"][0]
    return stream["codec_name"], stream["width"], stream["height"]


@pytest.fixture(scope="module")
def busy_ladder(sources, tmp_path_factory):
    source_probe = probe(sources.busy_phone_clip)
    assert (source_probe.display_width, source_probe.display_height) == (1080, 1920)
    return run_transcode(sources.busy_phone_clip, tmp_path_factory.mktemp("busy") / "out", source_probe)


def test_busy_phone_video_gets_a_small_upright_poster(busy_ladder):
    result = busy_ladder
    assert [r.label for r in result.renditions] == ["240p", "360p", "720p"]
    assert result.poster.stat().st_size < POSTER_LIMIT
    codec, width, height = _poster_size(result.poster)
    assert codec == "mjpeg" and height == POSTER_BOX and width == 360  # portrait, aspect kept
    # Upright: the white band of the coded top edge is now a side band, not at the top or bottom.
    def white_edge(points):
        return all(min(pixel(result.poster, x, y)) > 200 for x, y in points)

    along_side, along_top = range(20, height - 20, 60), range(20, width - 20, 40)
    edges = {"left": white_edge([(4, y) for y in along_side]),
             "right": white_edge([(width - 12, y) for y in along_side]),
             "top": white_edge([(x, 4) for x in along_top]),
             "bottom": white_edge([(x, height - 12) for x in along_top])}
    assert [edge for edge, white in edges.items() if white] in (["left"], ["right"]), edges


def test_landscape_poster_fits_the_box_and_is_not_enlarged(sources, tmp_path):
    result = run_transcode(sources.plain_clip, tmp_path / "out", probe(sources.plain_clip))
    assert _poster_size(result.poster) == ("mjpeg", 640, 360)
    small = run_transcode(sources.odd_dimensions_clip, tmp_path / "odd", probe(sources.odd_dimensions_clip))
    _, width, height = _poster_size(small.poster)
    assert width <= POSTER_BOX and height <= POSTER_BOX


def test_make_poster_redoes_an_old_poster_from_a_rendition(busy_ladder, tmp_path):
    target = tmp_path / "again" / "poster.jpg"
    make_poster(busy_ladder.renditions[-1].path, target, at=0.2)
    assert target.stat().st_size < POSTER_LIMIT
    assert _poster_size(target)[1:] == (360, 640)
