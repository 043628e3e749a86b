"""Rule evaluation and reachability: pure functions over model values, no I/O."""
