"""Developer tools: sample and benchmark document generators, tiny test models."""
