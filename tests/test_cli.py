"""bpo CLI: validation gate, report runs, atomic publication, latest link and the site index.

Everything writes under a temporary ``$BPO_ROOT``; the expensive runs happen once per module.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from helpers import FakeValidation, ctrl_c_when, snapshot, write_notebook

import analysis.cli as cli
import analysis.pipeline.reports as reports
import analysis.pipeline.validate as gate
from analysis.errors import ConfigError
from analysis.pipeline.parameters import parse_parameter
from analysis.pipeline.reports import ReportSpec


def run(capsys, *argv: str) -> tuple[int, list[str]]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out.strip().splitlines()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    write_notebook(
        root / "notebooks" / "ok.ipynb",
        "base_year = 2024\nclient = 'nobody'",
        ["print('report for', client, base_year)"],
    )
    write_notebook(root / "notebooks" / "boom.ipynb", "base_year = 2024", ["raise KeyError('x')"])
    registry = {
        "ok": ReportSpec("notebooks/ok.ipynb", "OK report"),
        "boom": ReportSpec("notebooks/boom.ipynb", "Failing report"),
    }
    (root / "config" / "clients").mkdir(parents=True)
    (root / "config" / "clients" / "house.yaml").write_text("display_name: BPO Research\n")
    (root / "data" / "raw").mkdir(parents=True)  # bpo refuses a BPO_ROOT without it (P8-R03)
    validation = SimpleNamespace(outcome=FakeValidation(), calls=0)

    def fake_validation(clients=None):
        validation.calls += 1
        return validation.outcome

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BPO_ROOT", str(root))
        mp.setenv("CI", "true")
        mp.setattr(reports, "REPORTS", registry)
        mp.setattr(gate, "run_validation", fake_validation)
        yield SimpleNamespace(root=root, reports=root / "reports", validation=validation)


@pytest.fixture(scope="module")
def two_runs(project):
    """Two successful house runs, then a failing run; with the state of reports/ around it."""
    first = cli.main(["report", "--reports", "ok", "-p", "base_year=2031"])
    second = cli.main(["report", "--reports", "ok"])
    runs = sorted(p.name for p in (project.reports / "house").iterdir() if p.name != "latest")
    before = snapshot(project.reports)
    failed = cli.main(["report", "--reports", "ok", "boom"])
    after = snapshot(project.reports)
    return SimpleNamespace(codes=(first, second, failed), runs=runs, before=before, after=after)


def test_successful_runs_exit_0_and_failed_run_exits_2(two_runs):
    assert two_runs.codes == (0, 0, 2)
    assert len(two_runs.runs) == 2


def test_failed_run_leaves_reports_byte_identical_and_no_staging(project, two_runs):
    assert two_runs.after == two_runs.before
    assert not any((project.root / "build" / "staging").iterdir())
    # the analyst still gets the failed notebook
    kept = list((project.root / "build" / "runs").glob("*/boom.ipynb"))
    assert len(kept) == 1


def test_latest_points_at_newest_successful_run(project, two_runs):
    latest = project.reports / "house" / "latest"
    assert latest.is_symlink()
    assert os.readlink(latest) == two_runs.runs[-1]
    assert (latest / "ok.html").is_file() and (latest / "index.html").is_file()


def test_site_index_lists_runs_newest_first_with_working_links(project, two_runs):
    page = (project.reports / "index.html").read_text(encoding="utf-8")
    older, newer = two_runs.runs
    assert page.index(newer) < page.index(older)
    for run_id in two_runs.runs:
        assert f'href="house/{run_id}/ok.html"' in page
        assert (project.reports / "house" / run_id / "ok.html").is_file()
    assert "house/latest/index.html" in page


def test_parameters_and_client_reach_the_notebook(project, two_runs):
    first = project.reports / "house" / two_runs.runs[0] / "ok.html"
    assert "report for house 2031" in first.read_text(encoding="utf-8")


def test_runs_command_lists_published_runs(project, two_runs, capsys):
    code, lines = run(capsys, "runs")
    assert code == 0
    assert [line.split()[1] for line in lines] == list(reversed(two_runs.runs))
    assert lines[0].endswith("(latest)")


def test_report_prints_one_line_per_report_and_index_path_last(project, two_runs, capsys):
    (project.root / "config" / "clients" / "acme.yaml").write_text(
        "display_name: Acme\nreports: [ok]\n"
    )
    code, lines = run(capsys, "report", "--client", "acme", "--reports", "ok")
    assert code == 0
    assert any(line.startswith("ok   ok (") for line in lines)
    assert lines[-1] == str(project.reports / "index.html")
    assert os.readlink(project.reports / "acme" / "latest").startswith("20")


def test_validation_failure_exits_1_before_any_notebook_runs(project, two_runs, capsys):
    before = snapshot(project.root)
    calls = project.validation.calls
    project.validation.outcome = FakeValidation(success=False, summary_lines=["CRIT bad row"])
    try:
        code, lines = run(capsys, "report", "--reports", "ok")
    finally:
        project.validation.outcome = FakeValidation()
    assert code == 1
    assert project.validation.calls == calls + 1
    assert "CRIT bad row" in lines
    assert snapshot(project.root) == before  # nothing executed, staged or published


def test_unknown_parameter_exits_2_naming_it(project, capsys):
    calls = project.validation.calls
    code, lines = run(capsys, "report", "--reports", "ok", "-p", "base_yaer=2025")
    assert code == 2
    assert "base_yaer" in lines[-1] and "base_year" in lines[-1]
    assert project.validation.calls == calls  # rejected before validation even ran


def test_unknown_report_exits_2_and_a_path_escaping_client_exits_1(project, capsys):
    assert run(capsys, "report", "--reports", "nope")[0] == 2
    # an id that would escape its folder is bad input (containment): exit 1, nothing built
    assert run(capsys, "report", "--client", "../etc")[0] == 1


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("base_year=2025", ("base_year", 2025)),
        ("share=0.25", ("share", 0.25)),
        ("strict=true", ("strict", True)),
        ("geography=India", ("geography", "India")),
        ("label=United States", ("label", "United States")),
        ("as_of=2025-01-31", ("as_of", "2025-01-31")),
        ("year='2025'", ("year", "2025")),
        ("definition=None", ("definition", None)),  # papermill's spelling of None, not text
        ("definition=null", ("definition", None)),
        ("label='None'", ("label", "None")),
        # B08/B09/B12: lists and mappings are YAML too, as the README says
        ("multi_shore={India: 0.6, Philippines: 0.4}",
         ("multi_shore", {"India": 0.6, "Philippines": 0.4})),
        ("client_hours=[8, 18]", ("client_hours", [8, 18])),
        ("note=a, b", ("note", "a, b")),
    ],
)
def test_parameter_values_are_yaml(item, expected):
    assert parse_parameter(item) == expected


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ("weights={cost: 1, cost: 2}", "key 'cost' is given twice"),
        ("weights=[[[" + "[" * 100_000, "not valid YAML"),
        ("weights=" + "[" * 100 + "]" * 100, "nested more than 32 levels deep"),
    ],
)
def test_a_list_or_mapping_parameter_that_is_not_valid_yaml_is_refused(item, says):
    with pytest.raises(ConfigError, match=re.escape(says)):
        parse_parameter(item)


def test_malformed_parameter_is_a_config_error():
    with pytest.raises(ConfigError):
        parse_parameter("no-equals-sign")


@pytest.mark.parametrize("option", ["--timeout", "--workers"])
@pytest.mark.parametrize("value", ["0", "-1", "ten"])
def test_timeouts_and_workers_are_whole_numbers_of_at_least_one(option, value, capsys):
    """papermill reads a timeout of -1 as "never": a hung cell would hang the scheduled job."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", option, value])
    assert exit_.value.code == 2
    assert option in capsys.readouterr().err



# --------------------------------------------------------------------------- interrupts

DUCKDB_DRIVER = """
import duckdb
import analysis.cli as cli
import analysis.pipeline.validate as gate

def endless_query(clients=None):
    # Grouped scans, over and over: DuckDB polls for Ctrl-C between the tasks of a query (one
    # endless single-pipeline scan would never look), and then raises "Query interrupted".
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT i, i % 97 AS k FROM range(3000000) t(i)")
    print("querying", flush=True)
    while True:
        con.execute("SELECT k, count(*), sum(i) FROM t GROUP BY k ORDER BY k").fetchall()

gate.run_validation = endless_query
raise SystemExit(cli.main(["validate"]))
"""


@pytest.mark.parametrize(("sig", "code", "said"), [
    (signal.SIGINT, cli.EXIT_INTERRUPTED, "interrupted"),
    (signal.SIGTERM, cli.EXIT_TERMINATED, "stopped (SIGTERM)"),
])
def test_ctrl_c_during_a_duckdb_query_is_one_line_exit_130(tmp_path, sig, code, said):
    """P5-K02: DuckDB turns Ctrl-C into ``RuntimeError: Query interrupted``; bpo still says
    one "interrupted" line and exits 130, with no traceback. P8-E05: SIGTERM (a scheduler's
    timeout) ended bpo silently; now one "stopped (SIGTERM)" line, exit 143."""
    driver = tmp_path / "driver.py"
    driver.write_text(DUCKDB_DRIVER)
    (tmp_path / "data" / "raw").mkdir(parents=True)  # a project root (bpo checks BPO_ROOT)
    slow = subprocess.Popen(
        [sys.executable, str(driver)], start_new_session=True, text=True,
        env={**os.environ, "BPO_ROOT": str(tmp_path), "CI": "true"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    def querying() -> None:
        # Wait for the query itself (the line is printed just before it starts), not a fixed
        # time, so a slow machine cannot make the signal land before or after it.
        assert slow.stdout.readline().strip() == "querying"

    output = ctrl_c_when(slow, querying, 0.3, sig)
    assert slow.returncode == code, output
    assert "Traceback" not in output and "Query interrupted" not in output, output
    assert [line for line in output.splitlines() if line.strip()] == [
        f"{said}: nothing more was published; reports/ keeps its last complete runs "
        "(run again to finish)"]


@pytest.mark.parametrize("command", ["validate", "report", "refresh", "curate"])
@pytest.mark.parametrize("wrapped", ["raises", "returns 1"])
def test_an_interrupt_a_library_wraps_is_still_an_interrupt(command, wrapped, monkeypatch,
                                                           capsys):
    """Ctrl-C that a library turns into its own error (GX, pyarrow, Spark), or that code
    turns into a failure code, is the interrupt for every command: one line, exit 130."""

    def handler(args, out):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the KeyboardInterrupt lands here
        except KeyboardInterrupt:
            if wrapped == "raises":
                raise RuntimeError("Query interrupted") from None
            return cli.EXIT_VALIDATION
        raise AssertionError("SIGINT never arrived")

    monkeypatch.setattr(cli, f"cmd_{command}", handler)
    before = signal.getsignal(signal.SIGINT)  # Python's, or one a library installed (Spark)
    assert cli.main([command]) == cli.EXIT_INTERRUPTED
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted: "), lines
    # the previous handler is back: a later Ctrl-C outside bpo is handled as before
    assert signal.getsignal(signal.SIGINT) is before


def test_sigterm_cleans_up_like_ctrl_c_and_restores_the_handler(monkeypatch, capsys):
    """P8-E05: SIGTERM unwinds through every ``finally`` (lock, staging) as Ctrl-C does, says
    one line, exits 143; the default SIGTERM handler is back afterwards."""
    cleaned = []

    def handler(args, out):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the stop lands here
        finally:
            cleaned.append(True)
        raise AssertionError("SIGTERM never arrived")

    monkeypatch.setattr(cli, "cmd_validate", handler)
    assert cli.main(["validate"]) == cli.EXIT_TERMINATED
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["stopped (SIGTERM): nothing more was published; reports/ keeps its last "
                     "complete runs (run again to finish)"], lines
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_importing_the_cli_is_light_so_ctrl_c_at_startup_is_caught():
    """Ctrl-C while bpo starts (the pipeline takes seconds to import on a busy machine) must
    land inside ``main``'s guard: the CLI module itself imports no pipeline module."""
    code = ("import sys, analysis.cli; "
            "print(sorted(m for m in sys.modules if m.startswith('analysis.pipeline')))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert shown == "[]"


def test_an_error_without_an_interrupt_is_not_taken_for_one(monkeypatch, capsys):
    def handler(args, out):
        raise RuntimeError("a real bug")

    monkeypatch.setattr(cli, "cmd_validate", handler)
    with pytest.raises(RuntimeError, match="a real bug"):
        cli.main(["validate"])


def test_data_text_is_printed_escaped_never_run_by_the_terminal(monkeypatch, capsys, tmp_path):
    """P5-M11, second layer: whatever data text reaches a printed line, an escape sequence or
    a newline in it is shown as an escape, so it can neither clear the screen nor forge a
    line; a validation failure's own lines still print one per line."""
    reason = "\x1b[2J\x1b[31mPWNED\nCRITICAL fake line\u202e"

    def fake_validate(log, use_cache):
        log(f"excluded 730 row(s) of evil/interactions: {reason}")
        return True, {}

    monkeypatch.setattr(gate, "validate", fake_validate)
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    (tmp_path / "data" / "raw").mkdir(parents=True)  # a project root (bpo checks BPO_ROOT)
    assert cli.main(["validate"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "excluded 730 row(s) of evil/interactions: "
        "\\x1b[2J\\x1b[31mPWNED\\nCRITICAL fake line\\u202e"]
    output = cli.Output()
    output.lines("error: data validation failed (1 critical):\nCRITICAL a.csv: x\x1by")
    assert capsys.readouterr().out.splitlines() == [
        "error: data validation failed (1 critical):", "CRITICAL a.csv: x\\x1by"]


def test_the_kernels_validated_exports_flag_is_not_taken_from_the_users_shell(
        tmp_path, monkeypatch):
    """P7-R06: BPO_VALIDATED_EXPORTS_ONLY=1 set by hand made `bpo validate` refuse every
    export as changed after validation; only a build sets it, for its kernels."""
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    (tmp_path / "data" / "raw").mkdir(parents=True)  # a project root (bpo checks BPO_ROOT)
    monkeypatch.setenv("BPO_VALIDATED_EXPORTS_ONLY", "1")
    cli.main(["runs"])
    assert "BPO_VALIDATED_EXPORTS_ONLY" not in os.environ


def test_the_bpo_command_shows_progress_lines(project, monkeypatch, capsys):
    """Long parses report through ``analysis.data.progress``; ``bpo`` is who listens."""
    monkeypatch.setattr(cli, "show_progress", lambda sink: sink and sink("a progress line"))
    code, lines = run(capsys, "runs")
    assert code == 0 and "a progress line" in lines
