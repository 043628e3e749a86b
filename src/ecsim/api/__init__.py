"""The wire: HTTP requests in, typed calls to the use cases, ECS-shaped responses out."""
