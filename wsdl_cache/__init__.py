"""The shipped WSDL copy and its manifest, importable so the package can read them from disk."""
