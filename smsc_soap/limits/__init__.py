"""The service's limits kept for a whole login: its numbers, the limiter that admits each
request, the lockout after error 2 or 4, and the stores that share them across processes."""
