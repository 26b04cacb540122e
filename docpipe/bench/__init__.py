"""`docpipe bench`: measure throughput, memory, start-up and decoding cost on this machine."""
