"""The data plane: what the kernel must hold for the API's instances and groups to be real.

``plan`` describes the wanted state as plain values (pure); ``compiler`` turns a network's
groups into an nftables ruleset (pure); ``driver`` is the interface the control layer drives,
with ``none`` (API only) and ``linux`` (namespaces, veths, nftables, containers) behind it.
"""
