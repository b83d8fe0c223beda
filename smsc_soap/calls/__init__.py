"""One call of the client, step by step: admitted within the limits, sent within the
deadline, retried, its reply translated and its outcome recorded; and many calls at once."""
