"""Pipeline layer: client configs, the report registry, parameters, papermill execution, HTML
rendering, publication, refresh and its bookkeeping. Calls every layer below; ``analysis.cli``
calls it, and nothing here imports the CLI.
"""
