"""Playback progress: heartbeats in (services; the page endpoint and progress.js in views,
blueprint "progress"), what a learner has watched and where to resume (queries, which the
member's own pages in app.home.me_views read)."""
