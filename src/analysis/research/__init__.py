"""Domain layer: the analyses as pure functions on frames (market, services, fit, sourcing,
TCO, KPIs). Reads inputs through ``analysis.data``; knows nothing of reports or runs.
"""
