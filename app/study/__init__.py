"""Study: playback progress, completion and credit hours (this package), and group sessions,
roll call, leave, make-ups and terminal mode (the sessions modules)."""
