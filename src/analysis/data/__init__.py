"""Data layer: reads, curates, checks and derives every input (research tables, client exports).

Imports only ``analysis.paths`` and ``analysis.errors`` from outside itself.
"""
