"""bpo refresh: incremental skip and rebuild, what changed, exit codes, kill mid-build, the lock.

Everything runs on a temporary ``$BPO_ROOT`` with tiny throwaway notebooks and a fake
validation (the real contracts have their own tests); the module's runs build on each other.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import FakeValidation, ctrl_c_when, snapshot, write_notebook

import analysis.cli as cli
import analysis.pipeline.refresh as refresh
import analysis.pipeline.reports as reports
import analysis.pipeline.validate as gate
from analysis.pipeline.lock import lock_path, read_lock
from analysis.pipeline.reports import ReportSpec

FIG_CELLS = [
    "import csv, time\n"
    "from analysis.views import report_kit as rk\n"
    "from analysis.paths import raw_dir\n"
    "time.sleep(delay)\n"
    "if fail:\n    raise ValueError('asked to fail')\n"
    "total = sum(float(r['value']) for r in csv.DictReader(open(raw_dir() / 'figures.csv')))\n"
    "rk.record('total', total, unit='USD bn', label='Total <script>alert(1)</script>')\n"
    "rk.say('Total {t} for {c}', t=total, c=client)",
]
KPI_CELLS = [
    "import csv\nfrom pathlib import Path\n"
    "from analysis.views import report_kit as rk\n"
    "calls = sum(int(r['calls']) for r in csv.DictReader(open(Path(kpi_export) / 'export.csv')))\n"
    "rk.record('calls', calls, label='calls handled')\n"
    "rk.say('{n} calls', n=calls)",
]
REGISTRY = {
    "fig": ReportSpec("notebooks/fig.ipynb", "Figures", inputs=("figures.csv",)),
    "kpi": ReportSpec("notebooks/kpi.ipynb", "KPIs", inputs=("kpi_rules.csv",)),
}
CONFIGS = {
    "house": "display_name: House\nreports: [fig]\n",
    "a": "display_name: Client A\nreports: [fig, kpi]\nkpi_export: data/raw/clients/a\n",
    "b": "display_name: Client B\nreports: [kpi]\nkpi_export: data/raw/clients/b\n",
}
DRIVER = """
import sys
import analysis.cli as cli
import analysis.pipeline.reports as reports
import analysis.pipeline.validate as gate
from analysis.pipeline.reports import ReportSpec
registry = {registry}
reports.REPORTS.clear()
reports.REPORTS.update(registry)
gate.run_validation = lambda clients=None: None
sys.exit(cli.main(["refresh", *sys.argv[1:]]))
"""


def make_root(root: Path) -> Path:
    write_notebook(root / "notebooks" / "fig.ipynb",
                   "client = 'x'\nfail = False\ndelay = 0.0", FIG_CELLS)
    write_notebook(root / "notebooks" / "kpi.ipynb", "client = 'x'\nkpi_export = ''", KPI_CELLS)
    raw = root / "data" / "raw"
    (raw / "clients" / "a").mkdir(parents=True)
    (raw / "clients" / "b").mkdir(parents=True)
    (raw / "figures.csv").write_text("name,value\nx,100\ny,20\n")
    (raw / "kpi_rules.csv").write_text("rule\nsl\n")
    (raw / "clients" / "a" / "export.csv").write_text("day,calls\n1,10\n2,30\n")
    (raw / "clients" / "b" / "export.csv").write_text("day,calls\n1,7\n")
    (root / "config" / "clients").mkdir(parents=True)
    for client, text in CONFIGS.items():
        (root / "config" / "clients" / f"{client}.yaml").write_text(text)
    return root


@dataclass
class Run:
    code: int
    lines: list[str]
    record: dict


def refresh_run(capsys, *argv: str) -> Run:
    code = cli.main(["refresh", *argv])
    lines = capsys.readouterr().out.splitlines()
    logs = sorted((Path(os.environ["BPO_ROOT"]) / "build" / "logs").glob("*.json"))
    record = json.loads(logs[-1].read_text()) if logs else {}
    return Run(code, lines, record)


def latest(root: Path, client: str) -> Path:
    return root / "reports" / client / os.readlink(root / "reports" / client / "latest")


def built(run: Run) -> set[str]:
    return {f"{d['client']}/{name}" for d in run.record["deliverables"] for name in d["built"]}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = make_root(tmp_path_factory.mktemp("root"))
    saved = dict(reports.REPORTS)
    reports.REPORTS.clear()
    reports.REPORTS.update(REGISTRY)
    validation = SimpleNamespace(outcome=FakeValidation(), calls=0)

    def fake_validation(clients=None):
        validation.calls += 1
        return validation.outcome

    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("BPO_ROOT", str(root))
            mp.setenv("CI", "true")
            mp.setattr(gate, "run_validation", fake_validation)
            yield SimpleNamespace(root=root, validation=validation)
    finally:
        reports.REPORTS.clear()
        reports.REPORTS.update(saved)


@pytest.fixture(scope="module")
def first(project):
    return cli.main(["refresh"])


def test_first_refresh_builds_and_publishes_every_deliverable(project, first, capsys):
    assert first == refresh.EXIT_OK
    for client, names in {"house": ["fig"], "a": ["fig", "kpi"], "b": ["kpi"]}.items():
        run = latest(project.root, client)
        manifest = json.loads((run / "run.json").read_text())
        assert [r["name"] for r in manifest["reports"]] == names
        for entry in manifest["reports"]:
            assert (run / entry["file"]).is_file()
            assert entry["reused_from"] is None and entry["timings"]["execute_s"] > 0
            assert set(entry["fingerprint"]) == {
                "notebook", "code", "data", "parameters", "dependencies"}
        assert manifest["package_versions"]["papermill"]
        assert manifest["validation"]["status"] == "passed"
        assert "commit" in manifest["git"]
    kpi = json.loads((latest(project.root, "a") / "run.json").read_text())["reports"][1]
    # the client's export reaches the fingerprint through its parameter; not b's
    assert "data/raw/clients/a/export.csv" in kpi["fingerprint"]["data"]
    assert not any("clients/b" in path for path in kpi["fingerprint"]["data"])
    logs = list((project.root / "build" / "logs").glob("*.log"))
    assert len(logs) == 1 and "ok   a/kpi" in logs[0].read_text()


def test_second_refresh_has_nothing_to_do_fast(project, first, capsys):
    before = snapshot(project.root / "reports")
    started = time.perf_counter()
    run = refresh_run(capsys)
    elapsed = time.perf_counter() - started
    assert run.code == refresh.EXIT_NOTHING
    assert built(run) == set()
    assert snapshot(project.root / "reports") == before
    assert elapsed < 1.0, elapsed
    assert any("nothing to do" in line for line in run.lines)


def test_nothing_to_do_ok_exits_0_and_the_record_keeps_3(project, first, capsys):
    before = snapshot(project.root / "reports")
    run = refresh_run(capsys, "--nothing-to-do-ok")
    assert run.code == 0
    assert run.record["exit_code"] == refresh.EXIT_NOTHING
    assert run.record["outcome"] == "nothing to do"
    assert run.lines[-1].startswith("nothing to do:")
    assert snapshot(project.root / "reports") == before


def test_make_refresh_passes_nothing_to_do_ok_and_bpo_refresh_alone_keeps_3():
    repo = Path(__file__).resolve().parents[2]
    dry = subprocess.run(["make", "-n", "refresh"], cwd=repo, capture_output=True, text=True,
                         check=True).stdout
    line = next(x for x in dry.splitlines() if "bpo refresh" in x)
    assert "--nothing-to-do-ok" in line
    assert cli.build_parser().parse_args(["refresh"]).nothing_to_do_ok is False


def test_touching_one_export_rebuilds_only_that_clients_kpi(project, first, capsys):
    old_a, old_b = latest(project.root, "a"), latest(project.root, "b")
    (project.root / "data" / "raw" / "clients" / "a" / "export.csv").write_text(
        "day,calls\n1,10\n2,50\n")
    run = refresh_run(capsys)
    assert run.code == refresh.EXIT_OK
    assert built(run) == {"a/kpi"}
    new_a = latest(project.root, "a")
    assert new_a != old_a and latest(project.root, "b") == old_b
    # the unchanged report is carried over byte for byte, and says where it was built
    assert (new_a / "fig.html").read_bytes() == (old_a / "fig.html").read_bytes()
    entries = {r["name"]: r for r in json.loads((new_a / "run.json").read_text())["reports"]}
    assert entries["fig"]["reused_from"] == old_a.name and entries["kpi"]["reused_from"] is None

    changes = json.loads((new_a / "changes.json").read_text())
    assert changes["previous_run_id"] == old_a.name
    kpi = next(r for r in changes["reports"] if r["report"] == "kpi")
    assert kpi["inputs_changed"] == ["data changed: data/raw/clients/a/export.csv"]
    (calls,) = kpi["figures"]
    assert (calls["old"], calls["new"], calls["abs_change"]) == (40, 60, 20)
    assert calls["pct_change"] == pytest.approx(50.0)
    fig = next(r for r in changes["reports"] if r["report"] == "fig")
    assert not fig["rebuilt"] and fig["figures"][0]["status"] == "unchanged"
    page = (new_a / "changes.html").read_text()
    assert "+50.0%" in page and "export.csv" in page
    assert "<script>" not in page and "&lt;script&gt;" in page  # labels come from notebooks
    assert 'href="changes.html"' in (new_a / "index.html").read_text()


def test_editing_one_research_figure_rebuilds_its_reports_and_reports_the_move(
    project, first, capsys
):
    (project.root / "data" / "raw" / "figures.csv").write_text("name,value\nx,100\ny,30\n")
    run = refresh_run(capsys)
    assert run.code == refresh.EXIT_OK
    assert built(run) == {"house/fig", "a/fig"}
    changes = json.loads((latest(project.root, "house") / "changes.json").read_text())
    (report,) = changes["reports"]
    assert report["inputs_changed"] == ["data changed: data/raw/figures.csv"]
    (total,) = report["figures"]
    assert (total["old"], total["new"], total["status"]) == (120.0, 130.0, "changed")
    assert total["pct_change"] == pytest.approx(100 / 12)


def test_force_rebuilds_unchanged_reports(project, first, capsys):
    run = refresh_run(capsys, "--client", "b", "--force", "--workers", "1")
    assert run.code == refresh.EXIT_OK
    assert built(run) == {"b/kpi"}


def test_reports_option_keeps_the_rest_of_the_deliverable_in_latest(project, first, capsys):
    # R06: rebuilding one report of a two-report client must not drop the other from latest.
    before = latest(project.root, "a")
    run = refresh_run(capsys, "--client", "a", "--reports", "kpi", "--force", "--workers", "1")
    assert run.code == refresh.EXIT_OK
    assert built(run) == {"a/kpi"}
    assert any(line.startswith("keep fig as published in run") for line in run.lines), run.lines
    after = latest(project.root, "a")
    assert after != before
    assert (after / "fig.html").read_bytes() == (before / "fig.html").read_bytes()
    manifest = json.loads((after / "run.json").read_text())
    assert [entry["name"] for entry in manifest["reports"]] == ["fig", "kpi"]
    assert manifest["reports"][0]["reused_from"]
    assert "fig.html" in (after / "index.html").read_text()
    # and the same request again, without --force, finds the whole deliverable up to date
    again = refresh_run(capsys, "--client", "a", "--reports", "kpi", "--workers", "1")
    assert again.code == refresh.EXIT_NOTHING, again.lines


def test_validation_failure_exits_1_and_publishes_nothing(project, first, capsys):
    (project.root / "data" / "raw" / "figures.csv").write_text("name,value\nx,1\n")
    before = snapshot(project.root / "reports")
    project.validation.outcome = FakeValidation(success=False, summary_lines=["CRIT bad row"])
    try:
        run = refresh_run(capsys)
    finally:
        project.validation.outcome = FakeValidation()
        (project.root / "data" / "raw" / "figures.csv").write_text("name,value\nx,100\ny,30\n")
    assert run.code == refresh.EXIT_VALIDATION
    assert "CRIT bad row" in run.lines
    assert snapshot(project.root / "reports") == before
    assert run.record["outcome"] == "validation failed"


def test_build_failure_exits_2_and_leaves_reports_intact(project, first, capsys):
    before = snapshot(project.root / "reports")
    run = refresh_run(capsys, "--client", "house", "-p", "fail=true")
    assert run.code == refresh.EXIT_BUILD
    assert any("asked to fail" in line for line in run.lines)
    assert snapshot(project.root / "reports") == before
    assert not any((project.root / "build" / "staging").iterdir())


def test_bad_config_exits_2_and_escaping_input_exits_1_before_validation(
    project, first, capsys
):
    calls = project.validation.calls
    assert refresh_run(capsys, "-p", "no_such=1").code == refresh.EXIT_BUILD
    assert refresh_run(capsys, "--client", "../etc").code == refresh.EXIT_VALIDATION
    assert project.validation.calls == calls


def test_runs_lists_published_runs_with_reuse_and_every_refresh(project, first, capsys):
    assert refresh_run(capsys).code in (refresh.EXIT_OK, refresh.EXIT_NOTHING)
    assert refresh_run(capsys).code == refresh.EXIT_NOTHING
    (project.root / "data" / "raw" / "clients" / "a" / "export.csv").write_text(
        "day,calls\n1,10\n2,70\n")
    assert built(refresh_run(capsys)) == {"a/kpi"}
    assert cli.main(["runs", "--client", "a"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("(latest)") and "reused 1" in lines[0]  # kpi rebuilt, fig reused
    assert "figure(s) moved" in lines[0]
    assert cli.main(["runs", "--refreshes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("exit 3 nothing to do" in line for line in lines)
    assert any("exit 0 published" in line for line in lines)


def _start_slow_refresh(root: Path, *argv: str) -> subprocess.Popen:
    driver = root / "driver.py"
    driver.write_text(DRIVER.format(registry=repr(REGISTRY)))
    env = {**os.environ, "BPO_ROOT": str(root), "CI": "true"}
    return subprocess.Popen(
        [sys.executable, str(driver), *argv], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def test_concurrent_refresh_exits_at_once_then_kill_mid_build_recovers(
    project, first, capsys
):
    root = project.root
    before = snapshot(root / "reports")
    # two clients' fig reports: two notebooks in a process pool
    slow = _start_slow_refresh(root, "--reports", "fig", "-p", "delay=30.0")
    try:
        # mid-build: the staging folder exists and the notebook is sleeping in its kernel
        _wait_for(lambda: len(list((root / "build" / "runs").glob("*/fig.ipynb"))) >= 2
                  and any((root / "build" / "staging").iterdir()))
        started = time.perf_counter()
        second = refresh_run(capsys)
        assert second.code == refresh.EXIT_LOCKED
        assert time.perf_counter() - started < 2
        assert any("another refresh is running" in line for line in second.lines)
        assert f"pid {slow.pid}" in second.lines[-1]
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait()
    assert read_lock()["pid"] == slow.pid  # left behind by the killed run
    assert snapshot(root / "reports") == before  # previous reports intact
    run = refresh_run(capsys, "--reports", "fig", "-p", "delay=0.0")
    assert run.code == refresh.EXIT_OK
    assert built(run) == {"house/fig", "a/fig"}
    assert any(f"stale lock left by pid {slow.pid}" in line for line in run.lines)
    assert any("removed leftover" in line for line in run.lines)
    assert not lock_path().exists()
    assert not any((root / "build" / "staging").iterdir())
    assert (latest(root, "house") / "fig.html").is_file()



def test_ctrl_c_mid_build_is_one_line_exit_130_and_nothing_published(project, first, capsys):
    """S01: SIGINT to the whole process group (what Ctrl-C sends) while notebooks run."""
    root = project.root
    before = snapshot(root / "reports")
    driver = root / "driver.py"
    driver.write_text(DRIVER.format(registry=repr(REGISTRY)))
    runs_before = set((root / "build" / "runs").glob("*/fig.ipynb"))
    slow = subprocess.Popen(
        [sys.executable, str(driver), "--reports", "fig", "-p", "delay=30.0"],
        env={**os.environ, "BPO_ROOT": str(root), "CI": "true"}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    # 1 s after both kernels started: they are inside the notebook's 30 s sleep.
    output = ctrl_c_when(slow, lambda: _wait_for(
        lambda: len(set((root / "build" / "runs").glob("*/fig.ipynb")) - runs_before) >= 2
        and any((root / "build" / "staging").iterdir())), 1.0)
    assert slow.returncode == 130, output
    assert "interrupted: nothing more was published" in output
    assert "Traceback" not in output, output
    assert snapshot(root / "reports") == before
    assert not lock_path().exists()
    assert not any((root / "build" / "staging").iterdir())
