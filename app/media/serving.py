"""Send a stored media file: Range (206/416), ETag, Last-Modified, private caching.

Werkzeug's send_file(conditional=True) already implements single byte ranges
(bytes=a-b, a-, -n), If-Range, If-None-Match / If-Modified-Since (304) and 416;
tests/http/media/test_serving.py checks each of these against the file's bytes.
This module adds what is ours: the Content-Type we recorded, inline or attachment
disposition, "Cache-Control: private" (the URL is the same for everyone, the
permission is not), and the scale-out option MEDIA_X_ACCEL_PREFIX, which hands
the transfer to a front web server (nginx `internal` location on MEDIA_ROOT)
after the app has checked access.
"""
from __future__ import annotations

from flask import Response, abort, current_app, send_file

from werkzeug.exceptions import RequestedRangeNotSatisfiable

from app.core.storage import Storage

# Renditions never change in place (a new transcode publishes a new ladder as a whole,
# and the ETag changes with it); a browser may reuse them for a day without asking.
MAX_AGE = 24 * 3600


def send_stored(storage: Storage, key: str, mimetype: str, *, download_name: str | None = None,
                as_attachment: bool = False) -> Response:
    path = storage.path_for(key)
    if path is None or not path.is_file():
        abort(404)
    prefix = current_app.config.get("MEDIA_X_ACCEL_PREFIX")
    if prefix:
        response = Response(status=200, mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + key
    else:
        try:
            response = send_file(path, mimetype=mimetype, conditional=True, etag=True, max_age=MAX_AGE,
                                 as_attachment=as_attachment, download_name=download_name)
        except RequestedRangeNotSatisfiable:
            # Answer here: the app's error pages would drop the Content-Range a player needs.
            response = Response(status=416)
            response.headers["Content-Range"] = f"bytes */{path.stat().st_size}"
    response.headers["Accept-Ranges"] = "bytes"
    response.cache_control.public = False
    response.cache_control.private = True
    response.vary.add("Cookie")
    return response
