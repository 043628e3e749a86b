"""Persistence behind a small interface (``base.Store``); SQLite is the implementation."""
