"""Group sessions: scheduling, roll call, leave, closing and make-ups (services), scoped reads
(queries), the organiser's pages (views) and terminal mode on the activity-room TV
(terminal_views), under blueprint "sessions"."""
