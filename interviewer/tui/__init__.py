"""The Textual front end. Blocking work runs in thread workers that report back with
messages; nothing here is imported by the core."""
