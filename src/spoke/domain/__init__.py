"""Pure registry logic: names, versions, paths, digests and models. No I/O here."""
