"""The domain: frozen dataclasses and value objects; no I/O, no wire strings."""
