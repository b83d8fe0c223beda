"""How the library runs: its clock, cancellation of calls running in threads, lazy imports,
checked options, and the one table that turns other libraries' exceptions into ours."""
