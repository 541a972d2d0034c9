"""The media object as the API and the upload endpoints show it."""
from __future__ import annotations

from flask import url_for

from app.media.models import Media


def media_url(media: Media, label: str) -> str:
    return url_for("media.serve", media_id=media.id, label=label)


def media_as_json(media: Media) -> dict:
    """Exactly the fields of GET /api/v1/media/<id>; width and height as displayed."""
    return {
        "id": media.id,
        "status": media.status,
        "progress": media.progress,
        "error": media.error,
        "kind": media.kind,
        "duration": media.duration,
        "poster_url": media_url(media, "poster") if media.poster_key else None,
        "document_url": media_url(media, "source") if media.kind == "document" and media.source_key else None,
        "renditions": [
            {"label": rendition.label, "width": rendition.width, "height": rendition.height,
             "bitrate": rendition.bitrate, "url": media_url(media, rendition.label)}
            for rendition in media.renditions
        ],
    }
