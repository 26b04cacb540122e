"""Verified grounding: does the page's word layer support an extracted value, and where."""
