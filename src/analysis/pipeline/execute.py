"""Notebook + parameters -> executed notebook, with papermill.

``execute_notebook`` runs a parametrized notebook (rejecting parameters the notebook does not
declare) on a kernel that talks over private IPC sockets, and turns a cell failure into a
one-line ``BuildError`` that names the analyst's cell.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.errors import BuildError, reraise_if_interrupted
from analysis.pipeline.parameters import check_parameters
from analysis.views.report_kit import FIGURES_ENV, TABLES_ENV, load_figures

DEFAULT_KERNEL = "bpo-research"


@dataclass(frozen=True)
class ExecutionResult:
    """What one notebook execution produced."""

    notebook: Path
    output: Path
    parameters: dict[str, Any]
    elapsed_s: float
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: Path | None = None
    """Side file of the tables and chart data the notebook showed (``report_kit.record_table``)."""


def _show_progress() -> bool:
    return not os.environ.get("CI") and sys.stderr.isatty()


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    """Set environment variables for the kernel we start (it inherits ours), then restore."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def failure_line(name: str, exception: str, message: object, where: str | None,
                 kept: Path | None) -> str:
    """A failed notebook in one line that leads with what went wrong, then where:
    ``kpi.ipynb: StaffingError: <message> (cell 19, In [11]; executed notebook kept at <path>)``.
    The analyst reads the cause first; the cell and the kept notebook are for digging in."""
    after = "; ".join(x for x in (where, f"executed notebook kept at {kept}" if kept else None)
                      if x)
    return f"{name}: {exception}: {_one_line(message)}" + (f" ({after})" if after else "")


def _source_cell_index(notebook: Path, executed_index: int, injected: bool) -> int:
    """Map a cell index of the executed notebook back to the analyst's notebook.

    papermill inserts an ``injected-parameters`` cell after the ``parameters`` cell (or first,
    when there is none) whenever parameters are passed.
    """
    if not injected:
        return executed_index
    import nbformat

    cells = nbformat.read(notebook, as_version=4).cells
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
    injected_at = tagged[0] + 1 if tagged else 0
    return executed_index - 1 if executed_index > injected_at else executed_index


def _failed_cell(output: Path) -> int | None:
    """Index (in the saved executed notebook) of the cell papermill marked as failed or running."""
    import nbformat

    if not output.exists():
        return None
    cells = [
        c
        for c in nbformat.read(output, as_version=4).cells
        if "papermill-error-cell-tag" not in c.metadata.get("tags", [])
    ]
    for index, cell in enumerate(cells):
        state = cell.metadata.get("papermill", {})
        errored = any(out.get("output_type") == "error" for out in cell.get("outputs", []))
        if errored or state.get("exception") or state.get("status") == "running":
            return index
    return None


def _ipc_kernel_manager(kernel_log: Path | None = None) -> type:
    """A kernel manager whose kernel talks over local IPC sockets in a private temp folder.

    The default TCP transport opens loopback ports with no encryption and makes every kernel
    print a warning into the build log; IPC sockets are files only this user can reach. The
    folder is per kernel so parallel builds never share socket paths.

    With ``kernel_log`` the kernel process's own stderr goes to that file instead of ours: a
    kernel shut down mid-cell (a timeout) prints a ZMQ traceback there that says nothing to the
    analyst. What a notebook prints reaches the executed notebook as before (over IPC).
    """
    import shutil
    import tempfile

    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            self._socket_dir = Path(tempfile.mkdtemp(prefix="bpo-k-"))
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", str(self._socket_dir / "kernel"))
            super().__init__(**kwargs)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            if kernel_log is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            with open(kernel_log, "ab") as log:  # the kernel keeps its own copy of the handle
                kw["stderr"] = log
                return await super()._async_launch_kernel(kernel_cmd, **kw)

        async def cleanup_resources(self, restart: bool = False) -> None:  # async in AsyncKM
            await super().cleanup_resources(restart=restart)
            if not restart:
                shutil.rmtree(self._socket_dir, ignore_errors=True)

    return IpcKernelManager


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    kernel: str = DEFAULT_KERNEL,
    timeout: int = 600,
    cwd: Path | None = None,
    validated_only: bool = False,
) -> ExecutionResult:
    """Execute ``notebook`` with ``parameters`` into ``output`` (kept even when a cell fails).

    Runs in ``cwd`` (default: the notebook's folder, as JupyterLab does). Key figures recorded
    with ``report_kit.record`` are collected from a side file next to ``output``; the kernel
    process's own stderr is kept beside it too (``<output>.kernel.log``), not printed.
    ``validated_only``: the kernel reads only client exports this run validated (a build sets
    it: an export edited after the validation gate is refused there, not parsed unvalidated).
    Raises ``ConfigError`` for an undeclared parameter, ``BuildError`` (one line) on failure.
    """
    import papermill
    from jupyter_client.kernelspec import NoSuchKernel
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook)
    output = Path(output)
    check_parameters(notebook, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    figures_path = output.with_suffix(".figures.jsonl")
    figures_path.unlink(missing_ok=True)
    tables_path = output.with_suffix(".tables.jsonl")
    tables_path.unlink(missing_ok=True)
    output.with_suffix(".kernel.log").unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        with _environ(**paths.kernel_environment(),
                      **{FIGURES_ENV: str(figures_path), TABLES_ENV: str(tables_path),
                         "BPO_VALIDATED_EXPORTS_ONLY": "1" if validated_only else "0"}):
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=dict(parameters),
                kernel_name=kernel,
                progress_bar=_show_progress(),
                log_output=False,
                cwd=str(cwd or notebook.parent),
                execution_timeout=timeout,
                kernel_manager_class=_ipc_kernel_manager(output.with_suffix(".kernel.log")),
            )
    except PapermillExecutionError as error:
        cell = _source_cell_index(notebook, error.cell_index, injected=bool(parameters))
        raise BuildError(failure_line(notebook.name, error.ename, error.evalue,
                                      f"cell {cell}, In [{error.exec_count}]", output)) from error
    except NoSuchKernel as error:
        raise BuildError(
            f"{notebook.name}: Jupyter kernel {kernel!r} is not installed; "
            "`make setup` registers it inside .venv"
        ) from error
    except Exception as error:  # timeout, dead kernel...: same one-line story for the analyst
        reraise_if_interrupted(error)
        failed = _failed_cell(output)
        where = (f"cell {_source_cell_index(notebook, failed, injected=bool(parameters))}"
                 if failed is not None else None)
        raise BuildError(failure_line(notebook.name, type(error).__name__, error, where,
                                      output if output.exists() else None)) from error
    return ExecutionResult(
        notebook=notebook,
        output=output,
        parameters=dict(parameters),
        elapsed_s=time.perf_counter() - started,
        figures=load_figures(figures_path),
        tables=tables_path,
    )

