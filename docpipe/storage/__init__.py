"""Storage by URI: local paths and object stores (s3://, gs://, az://, ...) through fsspec.

Only this package opens input bytes or output objects (besides the local walk's 1-KiB sniff of
sidecar-named files); everything else passes URIs around.
`uri.py` resolves a URI to a filesystem, `listing.py` finds inputs (on the driver), `reading.py`
reads one input's bytes (in a worker), `store.py` is the output side (what the dataset writer
commits through), `lease.py` the lock that keeps two runs off one object-store output.
"""
