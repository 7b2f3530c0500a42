"""protoc: validation of pushed trees (and, later, code generation)."""
