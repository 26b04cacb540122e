"""Pie and donut charts from a `Scene` (placeholder until written)."""

from __future__ import annotations


def read_pie(scene, legend, skip):
    return None
