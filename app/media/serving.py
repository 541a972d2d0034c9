"""Send a stored media file: Range (206/416), ETag, Last-Modified, private caching.

Werkzeug's send_file(conditional=True) already implements single byte ranges
(bytes=a-b, a-, -n), If-Range, If-None-Match / If-Modified-Since (304) and 416;
tests/http/media/test_serving.py checks each of these against the file's bytes.
This module adds what is ours: the Content-Type we recorded, inline or attachment
disposition, "Cache-Control: private" (the URL is the same for everyone, the
permission is not; the answer depends on the session cookie or the bearer token),
and the scale-out option MEDIA_X_ACCEL_PREFIX, which hands the transfer to a front
web server (nginx `internal` location on MEDIA_ROOT, docs/nginx.conf.example)
after the app has checked access: the app's answer carries the headers (type,
disposition, caching) and no body, and nginx sends the file with Range support.
"""
from __future__ import annotations

from flask import Response, abort, current_app, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.utils import send_file

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
    try:
        # With a front server, Werkzeug's X-Sendfile mode builds the same headers without opening
        # the file; the front server then answers Range and validators from the file itself.
        response = send_file(path, request.environ, mimetype=mimetype, conditional=not prefix, etag=True,
                             max_age=MAX_AGE, as_attachment=as_attachment, download_name=download_name,
                             use_x_sendfile=bool(prefix), response_class=current_app.response_class)
    except RequestedRangeNotSatisfiable:
        # Answer here: the app's error pages would drop the Content-Range a player needs.
        response = Response(status=416)
        response.headers["Content-Range"] = f"bytes */{path.stat().st_size}"
    if prefix:
        del response.headers["X-Sendfile"]
        response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + key
        response.content_length = 0  # the front server sends the bytes, and their length
    response.headers["Accept-Ranges"] = "bytes"
    response.cache_control.public = False
    response.cache_control.private = True
    response.vary.update(("Cookie", "Authorization"))
    return response
