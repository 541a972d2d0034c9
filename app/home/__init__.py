"""The home page: one entry point above the domains, showing each role what it came for."""
