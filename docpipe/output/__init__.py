"""Typed Parquet output: Arrow schemas derived from pydantic models, row tables, atomic commits, resume ledger."""
