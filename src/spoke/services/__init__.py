"""Use-cases: modules, push, pull. Transactions and cache policy live here."""
