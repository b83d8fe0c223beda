"""The SOAP envelopes: requests written from zeep's own template, replies read with a hardened
XML parser."""
