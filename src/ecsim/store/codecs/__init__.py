"""Model <-> JSON documents, one module per family (no pickle, no ORM objects)."""
