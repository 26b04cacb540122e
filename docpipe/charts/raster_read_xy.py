"""Line, scatter and area charts from a `Scene` (placeholder until written)."""

from __future__ import annotations


def read_xy(scene, legend, skip):
    return None
