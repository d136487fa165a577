"""View layer: what a notebook calls to assemble one report (``*_view``), the house charts and
tables, and the narration helpers. Calls ``analysis.research`` and ``analysis.data``.
"""
