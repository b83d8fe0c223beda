"""A status as it is shown to people and programs: the same columns on every face."""
