"""Training plans, development files, organiser reports, exports and the outbound feed."""
