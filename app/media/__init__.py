"""Media lessons: probing uploads, the transcode ladder, and (in the app) uploads and playback.

probe.py and transcode.py work on files only, with no database and no Flask, so
they run the same inside a Huey worker, a CLI command, a test or a benchmark.
"""
