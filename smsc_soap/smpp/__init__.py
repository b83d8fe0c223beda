"""SMPP: the protocol's constants, its time format and message states, the session the
transport queries over, delivery receipts read into statuses, and the receipt listener."""
