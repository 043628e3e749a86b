"""ecsim: Alibaba Cloud ECS on one Linux box."""

__all__ = ["__version__"]

__version__ = "0.1.0"
