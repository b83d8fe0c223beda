"""One HTTP request to the service with every limit kept: timeouts capped by the call's
deadline, a watchdog at the socket, a size cap, and the secret taken out of the reply."""
