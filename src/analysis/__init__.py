"""bpo-research: BPO market sizing, sourcing economics and KPI benchmarks."""

__version__ = "0.1.0"
