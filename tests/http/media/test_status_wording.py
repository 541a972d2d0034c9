"""Issue 16 point 9: a ready document is not "可以播放" (it is read, not played)."""
from __future__ import annotations

from app.extensions import db
from app.media.models import Media, MediaStatus
from tests.conftest import login


def test_a_ready_document_is_ready_not_playable(client, world):
    document = Media(kind="document", status=MediaStatus.READY, original_name="手册.pdf", mime="application/pdf",
                     owner_unit_id=world.township_a.id)
    db.session.add(document)
    db.session.commit()
    login(client, "org-a")
    for path in ("/media", f"/media/{document.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "手册.pdf" in html and "已就绪" in html, path
        assert "可以播放" not in html, path
