"""The ``ecsim`` command: the server, and a client of its HTTP API."""
