"""URL rules of the media area: the trainers' library and uploads, and serving files."""
from flask_babel import gettext as _
from app.core.assets import AssetBlueprint
from app.catalog.attachable_media import EXTENSION_KEY as CATALOG_ATTACHABLE_MEDIA
from app.media import cover_views, queries, views
from app.media.presenter import media_url
from app.media.queries import default_rendition, rendition_for

media_bp = AssetBlueprint("media", __name__, template_folder="templates", static_folder="static",
                          static_url_path="/static/media")
# The course editor offers media through its seam (app.catalog.attachable_media).
media_bp.record_once(lambda state: state.app.extensions.setdefault(CATALOG_ATTACHABLE_MEDIA, queries))
media_bp.add_url_rule("/media", view_func=views.library)
media_bp.add_url_rule("/media/new", view_func=views.new)
media_bp.add_url_rule("/media/upload", view_func=views.plain_upload, methods=["POST"])
media_bp.add_url_rule("/media/<int:media_id>", view_func=views.detail)
media_bp.add_url_rule("/media/uploads", view_func=views.upload_open, methods=["POST"])
media_bp.add_url_rule("/media/uploads/<session_id>", view_func=views.upload_status, methods=["GET", "HEAD"])
media_bp.add_url_rule("/media/uploads/<session_id>", view_func=views.upload_chunk, methods=["PUT"])
media_bp.add_url_rule("/media/<int:media_id>/<label>", view_func=views.serve)
media_bp.add_url_rule("/manage/courses/<int:course_id>/cover", view_func=cover_views.course_cover, methods=["POST"])


@media_bp.app_template_filter("clock")
def format_clock(seconds) -> str:
    """Seconds as a player shows them: 75.4 -> "1:15", 3725 -> "1:02:05"."""
    if seconds is None:
        return ""
    whole = int(round(float(seconds)))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@media_bp.app_template_filter("filesize")
def format_file_size(size) -> str:
    """Bytes as people read them: 1.5 MB, or KB under a megabyte (a small PDF is not "0.0 MB")."""
    size = int(size or 0)
    if size < 1024 * 1024:
        return f"{max(1, -(-size // 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@media_bp.app_template_global("media_playback")
def media_playback(media, quality: str | None = None, start: str | None = None) -> dict:
    """What the player template needs: the chosen rendition, the others, the poster, a start time."""
    chosen = rendition_for(media, quality) if quality else None
    chosen = chosen or default_rendition(media)
    try:
        start_at = max(0.0, float(start)) if start else 0.0
    except ValueError:
        start_at = 0.0
    if media.duration and start_at >= media.duration:
        start_at = 0.0
    qualities = [{"label": r.label, "url": media_url(media, r.label), "current": r is chosen, "bitrate": r.bitrate}
                 for r in media.renditions if r.label != "audio"]
    return {
        "chosen": chosen,
        "src": media_url(media, chosen.label) if chosen else None,
        "fragment": f"#t={start_at:g}" if start_at else "",
        "start": start_at,
        "qualities": qualities,
        "poster": media_url(media, "poster") if media.poster_key else None,
    }


@media_bp.app_template_global("media_status_label")
def media_status_label(status: str):
    return {"queued": _("Waiting to be transcoded"), "processing": _("Transcoding"), "ready": _("Ready"),
            "failed": _("Failed")}.get(status, status)


@media_bp.app_template_global("media_kind_label")
def media_kind_label(kind: str):
    return {"video": _("Video"), "audio": _("Audio"), "document": _("Document (PDF)"),
            "image": _("Image")}.get(kind, kind)
