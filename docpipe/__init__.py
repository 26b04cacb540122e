"""docpipe: batch document understanding to validated, grounded, typed Parquet."""

__version__ = "0.1.0"
