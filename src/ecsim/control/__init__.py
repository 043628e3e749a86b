"""Use cases: state validation, orchestration, quotas, idempotency."""
