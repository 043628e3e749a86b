"""OSS on the same port: path-style (and virtual-host) REST requests, OSS signatures, XML."""
