"""Study: playback progress (study.progress), group sessions and terminal mode (study.sessions),
and completion and credit hours (study.credit, their only home)."""
