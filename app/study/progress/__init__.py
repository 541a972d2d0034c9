"""Playback progress: heartbeats in (services), what a learner has watched and where to resume
(queries), the member's own pages (views, blueprint "me")."""
