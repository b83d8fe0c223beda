"""The service's WSDL: the copy shipped in the package (``shipped``), the one hardened zeep
loader (``loader``) and the tools that compare the copy with a live one (``drift``)."""
