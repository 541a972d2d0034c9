"""Static files of the shared layout: a versioned URL, a long cache, gzip when the client takes it.

url_for('core.static', filename='css/app.css') gives /static/core/css/app.css?v=<digest of
the file's bytes> (add_static_version, connected as an app-wide URL default), so a changed
file gets a new URL. A request carrying the current digest may be kept for a year
("immutable"); any other (an old page, a hand-typed URL) is answered with "no-cache" and an
ETag, so the browser asks again. CSS and JavaScript are sent gzip-compressed to clients whose
Accept-Encoding allows it (the stylesheet shrinks to about a quarter); the compressed bytes
are made once per file version and kept in memory.

Only blueprints built with AssetBlueprint (core, media, progress, sessions, survey) serve their files this way.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import mimetypes
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.security import safe_join

LONG_MAX_AGE = 365 * 24 * 3600
COMPRESSIBLE_SUFFIXES = (".css", ".js", ".svg", ".json", ".txt")
VERSION_ARG = "v"


class AssetBlueprint(Blueprint):
    """A blueprint whose static files carry a content version and are gzip-compressed."""

    def send_static_file(self, filename: str) -> Response:  # type: ignore[override]
        path = _static_path(self, filename)
        if path is None:
            abort(404)
        return send_asset(path)


def _static_path(blueprint: Blueprint, filename: str) -> Path | None:
    if not blueprint.static_folder:
        return None
    joined = safe_join(blueprint.static_folder, filename)
    if joined is None:
        return None
    path = Path(joined)
    return path if path.is_file() else None


def send_asset(path: Path) -> Response:
    stat = path.stat()
    version = _version(str(path), stat.st_mtime_ns, stat.st_size)
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    compress = path.suffix in COMPRESSIBLE_SUFFIXES and request.accept_encodings.quality("gzip") > 0
    if compress:
        response = Response(_gzipped(str(path), stat.st_mtime_ns, stat.st_size), mimetype=mimetype)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(version + "-gz")
    else:
        response = Response(path.read_bytes(), mimetype=mimetype)
        response.set_etag(version)
    response.vary.add("Accept-Encoding")
    response.last_modified = stat.st_mtime
    if request.args.get(VERSION_ARG) == version:
        response.cache_control.public = True
        response.cache_control.max_age = LONG_MAX_AGE
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


def add_static_version(endpoint: str, values: dict) -> None:
    """URL default: static files of an AssetBlueprint get ?v=<content digest>."""
    if not endpoint.endswith(".static") or VERSION_ARG in values or not values.get("filename"):
        return
    blueprint = current_app.blueprints.get(endpoint.rsplit(".", 1)[0])
    if not isinstance(blueprint, AssetBlueprint):
        return
    path = _static_path(blueprint, values["filename"])
    if path is not None:
        stat = path.stat()
        values[VERSION_ARG] = _version(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _version(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


@functools.lru_cache(maxsize=64)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)
