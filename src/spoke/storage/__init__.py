"""Ports (``typing.Protocol``) and their adapters: metadata, blobs, cache."""
