"""The products one ecsim endpoint serves, told apart by API version (PRODUCT.md contract 4)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ECS", "ECSIM", "FAAS", "PRODUCTS", "RAM", "VPC", "Product"]


@dataclass(frozen=True)
class Product:
    code: str
    version: str
    # what error bodies carry as HostId
    host: str


ECS = Product("Ecs", "2014-05-26", "ecs.aliyuncs.com")
VPC = Product("Vpc", "2016-04-28", "vpc.aliyuncs.com")
FAAS = Product("faas", "2017-08-24", "faas.aliyuncs.com")
RAM = Product("Ram", "2015-05-01", "ram.aliyuncs.com")
# ecsim's own administration API (accounts); not an Alibaba Cloud product.
ECSIM = Product("Ecsim", "2026-01-01", "ecsim.local")

PRODUCTS: dict[str, Product] = {p.version: p for p in (ECS, VPC, FAAS, RAM, ECSIM)}
