"""SMS Center's interface as data: its codes, hosts, query syntax, credentials, a status
request, the moments it can name, and its replies read into a status or an error."""
