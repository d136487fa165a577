"""The hostile-input catalogue: one row per case, as a careless analyst or an attacker would try.

Each row is: what is done to a fresh copy of a small project (``setup``), the command run
(``bpo ...`` or ``make ...``), the exit code expected, text the output must contain, folders
that must be byte-identical afterwards, and optionally a check of what was published. Every row
describes a defect found by the adversarial pass of issue 14 (or a case that held, kept as a
regression guard); add a row for every new defect.

The project is a tiny one: a throwaway report notebook (``ok``) that narrates data text the way
the real ones do, the real curated ``data/raw`` (copied), one published house run. Validation
is faked (instantly passing) except in the rows that test the real data contracts.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import FakeValidation, snapshot, write_notebook

import analysis.cli as cli
import analysis.pipeline.reports as reports
import analysis.pipeline.validate as gate
from analysis.pipeline.plan import plan_request
from analysis.pipeline.reports import ReportSpec

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_PARAMETERS = (
    "client = 'house'\nkpi_export = None\nnote = ''\nassumption_overrides = {}\n"
    "weights = None\nmulti_shore = {}"
)
NOTEBOOK_CELLS = [
    "from IPython.display import Markdown, display\n"
    "from analysis.paths import raw_dir\n"
    "from analysis.views import kpi_view\n"
    "from analysis.views import report_kit as rk\n"
    "notice = kpi_view.example_notice(raw_dir() / 'clients' / 'demo', {})\n"
    "if notice:\n"
    "    display(Markdown(f\"> **Example data** ({rk.render('{why}', why=notice)})\"))\n"
    "rk.say('Report for {c}: {n}', c=client, n=note)",
]
REGISTRY = {"ok": ReportSpec("notebooks/ok.ipynb", "OK report")}
CRASHED = -1  # an exception escaped bpo: a traceback instead of a one-line message


def _latest_page(root: Path) -> str:
    return (root / "reports" / "house" / "latest" / "ok.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- setups


def mapping_copy(root: Path, folder: str, **replace: str) -> Path:
    """The demo client's interactions mapping copied into ``clients/<folder>`` with edits."""
    target = root / "data" / "raw" / "clients" / folder
    target.mkdir(parents=True)
    text = (root / "data" / "raw" / "clients" / "demo" / "interactions.yaml").read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    (target / "interactions.yaml").write_text(text)
    return target


def evil_export(edit: Callable[[list[bytes]], list[bytes]], lines: int = 1500,
                name: str = "calls.csv") -> Callable[[Path], None]:
    """Client ``evil``: the demo's mapping over the demo export's first ``lines`` lines, as
    plain text edited by ``edit`` (a list of lines without their endings -> the same)."""

    def setup(root: Path) -> None:
        target = mapping_copy(root, "evil", **{
            "client: demo": "client: evil",
            "file: EXAMPLE_synthetic_interactions.csv.gz": f"file: {name}"})
        demo = root / "data/raw/clients/demo/EXAMPLE_synthetic_interactions.csv.gz"
        text = gzip.decompress(demo.read_bytes()).split(b"\n")[:lines]
        (target / name).write_bytes(b"\n".join(edit(text)) + b"\n")

    return setup


def _crlf_every_third(lines: list[bytes]) -> list[bytes]:
    return [line + b"\r" if i % 3 == 2 else line for i, line in enumerate(lines)]


def _queue(value: bytes) -> Callable[[list[bytes]], list[bytes]]:
    """Line 100's queue (4th field) replaced by ``value``."""
    return _field(3, value)


def _field(index: int, value: bytes, line: int = 100) -> Callable[[list[bytes]], list[bytes]]:
    """Physical line ``line``'s field ``index`` (0-based) replaced by ``value``."""

    def edit(lines: list[bytes]) -> list[bytes]:
        fields = lines[line - 1].split(b";")
        fields[index] = value
        return [*lines[:line - 1], b";".join(fields), *lines[line:]]

    return edit


def _quote_in_web_chat_rows(lines: list[bytes]) -> list[bytes]:
    return [line.replace(b";Web Chat;", b';a =H("u";"c");') for line in lines]


def every_row_excluded(root: Path) -> None:
    evil_export(lambda lines: lines, lines=200)(root)
    with (root / "data/raw/clients/evil/interactions.yaml").open("a") as file:
        file.write("exclude:\n  - {column: Result, values: [ANS, ABN, SAB]}\n")


def _short_line_3(lines: list[bytes]) -> list[bytes]:
    return [*lines[:2], b"xxxxxxxx", *lines[2:20]]


def export_replaced(make: Callable[[Path], None]) -> Callable[[Path], None]:
    """Client ``evil`` whose ``calls.csv`` is replaced by what ``make`` creates at its path."""

    def setup(root: Path) -> None:
        evil_export(lambda lines: lines, lines=20)(root)
        export = root / "data/raw/clients/evil/calls.csv"
        export.unlink()
        make(export)

    return setup


def evil_mapping_edit(appended: str) -> Callable[[Path], None]:
    """Client ``evil`` (the demo export's first 200 lines) with text appended to its mapping."""

    def setup(root: Path) -> None:
        evil_export(lambda lines: lines, lines=200)(root)
        with (root / "data/raw/clients/evil/interactions.yaml").open("a") as file:
            file.write(appended)

    return setup


def evil_mapping_replace(old: str, new: str) -> Callable[[Path], None]:
    """Client ``evil`` (200 lines) with ``old`` replaced by ``new`` in its mapping."""

    def setup(root: Path) -> None:
        evil_export(lambda lines: lines, lines=200)(root)
        path = root / "data/raw/clients/evil/interactions.yaml"
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))

    return setup


def evil_csat_scale(value: str) -> Callable[[Path], None]:
    """Client ``evil`` (200 lines) whose mapping's ``constants.csat_scale`` is ``value``."""

    def setup(root: Path) -> None:
        evil_export(lambda lines: lines, lines=200)(root)
        path = root / "data/raw/clients/evil/interactions.yaml"
        text = path.read_text()
        assert "csat_scale: 5" in text
        path.write_text(text.replace("csat_scale: 5", f"csat_scale: {value}"))

    return setup


def utf8_declared_utf16(root: Path) -> None:
    evil_mapping_edit("encoding: utf-16-le\n")(root)
    export = root / "data/raw/clients/evil/calls.csv"
    if export.stat().st_size % 2:  # an even byte count decodes, as UTF-16 "text" without ends
        export.write_bytes(export.read_bytes() + b"\n")


def evil_export_bytes(convert: Callable[[bytes], bytes], lines: int = 200
                      ) -> Callable[[Path], None]:
    """Client ``evil`` (the demo export's first ``lines`` lines) whose whole file is rewritten
    by ``convert`` (bytes -> bytes): line ends, encodings."""

    def setup(root: Path) -> None:
        evil_export(lambda kept: kept, lines=lines)(root)
        export = root / "data/raw/clients/evil/calls.csv"
        export.write_bytes(convert(export.read_bytes()))

    return setup


def gzip_one_huge_line(root: Path) -> None:
    """A gzip export: banner, header, then one 40 MB data line (E03: a small file that inflates
    to one enormous line)."""
    evil_export(lambda lines: lines[:2], lines=2)(root)
    folder = root / "data/raw/clients/evil"
    (folder / "calls.csv.gz").write_bytes(gzip.compress(
        (folder / "calls.csv").read_bytes() + b"x" * 40_000_000 + b"\n", compresslevel=1))
    (folder / "calls.csv").unlink()
    mapping = folder / "interactions.yaml"
    mapping.write_text(mapping.read_text().replace("file: calls.csv", "file: calls.csv.gz"))


def xlsx_zip_bomb(root: Path) -> None:
    target = mapping_copy(root, "evil", **{
        "client: demo": "client: evil",
        "file: EXAMPLE_synthetic_interactions.csv.gz": "file: calls.xlsx"})
    with zipfile.ZipFile(target / "calls.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(20):
                part.write(b" " * (1 << 20))


def mapping_file_escapes(root: Path) -> None:
    mapping_copy(root, "evil", **{
        "file: EXAMPLE_synthetic_interactions.csv.gz": "file: ../../../../../../../etc/passwd",
        'delimiter: ";"': 'delimiter: ":"',
    })


def mapping_file_uri(uri: str) -> Callable[[Path], None]:
    """A mapping whose ``file`` is a local URI (P3-S01, P3-S02): it once passed as a lake."""
    def setup(root: Path) -> None:
        mapping_copy(root, "evil", **{
            "file: EXAMPLE_synthetic_interactions.csv.gz": f'file: "{uri}"',
            'delimiter: ";"': 'delimiter: ":"',
        })
    return setup


def mapping_client_escapes(root: Path) -> None:
    target = mapping_copy(root, "evil", **{"client: demo": "client: ../../raw"})
    shutil.copy(root / "data/raw/clients/demo/EXAMPLE_synthetic_interactions.csv.gz", target)


def mapping_file_symlink(root: Path) -> None:
    target = mapping_copy(root, "evil", **{"client: demo": "client: evil"})
    outside = root / "outside.csv.gz"
    shutil.copy(root / "data/raw/clients/demo/EXAMPLE_synthetic_interactions.csv.gz", outside)
    (target / "EXAMPLE_synthetic_interactions.csv.gz").symlink_to(outside)


def client_folder_symlink(root: Path) -> None:
    (root / "data" / "raw" / "clients" / "evil").symlink_to(outside_folder(root))


def implausible_market_value(root: Path) -> None:
    path = root / "data" / "raw" / "market_estimates.csv"
    lines = path.read_text().splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line.startswith("MKT-0026,"))
    lines[row] = lines[row].replace(",30,", ",3283000000,", 1)
    path.write_text("".join(lines))


def readme_javascript_link(root: Path) -> None:
    readme = root / "data" / "raw" / "clients" / "demo" / "README.md"
    readme.write_text("# Synthetic data [click me](javascript:alert(1)) <b onmouseover=x()>\n")


def config(root: Path, name: str, text: str) -> None:
    (root / "config" / "clients" / f"{name}.yaml").write_text(text)


def outside_folder(root: Path) -> Path:
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir(exist_ok=True)
    shutil.copytree(root / "data/raw/clients/demo", outside / "export", dirs_exist_ok=True)
    return outside / "export"


def kpi_export_parameter_in_config(root: Path) -> None:
    config(root, "acme", "display_name: Acme\nparameters:\n  ok:\n"
           f"    kpi_export: {outside_folder(root)}\n")


def kpi_export_symlink_in_config(root: Path) -> None:
    (root / "data" / "raw" / "clients" / "acme").symlink_to(outside_folder(root))
    config(root, "acme", "display_name: Acme\nkpi_export: data/raw/clients/acme\n")


def overrides_in_config(parameters: str) -> Callable[[Path], None]:
    """A client config giving report ``ok`` these parameters (YAML flow mapping)."""

    def setup(root: Path) -> None:
        config(root, "acme", f"display_name: Acme\nparameters:\n  ok: {parameters}\n")

    return setup


def bad_config_file_name(root: Path) -> None:
    config(root, "Bad Name", "display_name: Bad\n")


def logo_symlink(root: Path) -> None:
    secret = root.parent / f"{root.name}-secret.svg"
    secret.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "config" / "logos").mkdir(exist_ok=True)
    (root / "config" / "logos" / "acme.svg").symlink_to(secret)
    config(root, "acme", "display_name: Acme\nbranding: {logo: logos/acme.svg}\n")


def active_svg_logo(root: Path) -> None:
    (root / "config" / "logos").mkdir(exist_ok=True)
    (root / "config" / "logos" / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script>'
        '<image href="file:///etc/passwd"/></svg>')
    config(root, "acme", "display_name: Acme\nbranding: {logo: logos/evil.svg}\n")


def config_symlink_out(root: Path) -> None:
    secret = root.parent / f"{root.name}-secret.txt"
    secret.write_text("root:x:0:0:SECRET-LINE:/root:/bin/bash\n")
    (root / "config" / "clients" / "acme.yaml").symlink_to(secret)


def config_symlink_to_outside_config(root: Path) -> None:
    """A valid client config outside the project, linked in (J02): refused like /etc/passwd."""
    outside = root.parent / f"{root.name}-house.yaml"
    outside.write_text("display_name: Outside\n")
    (root / "config" / "clients" / "acme.yaml").symlink_to(outside)


def binary_config(root: Path) -> None:
    (root / "config" / "clients" / "acme.yaml").write_bytes(bytes(range(128, 256)) * 3)


def duplicate_config_key(root: Path) -> None:
    config(root, "acme", "display_name: Alpha\ndisplay_name: Beta\n")


def spoofing_display_name(root: Path) -> None:
    config(root, "acme", 'display_name: "Acme\\x1b[2J\\u202eevil"\n')


def huge_display_name(root: Path) -> None:
    config(root, "acme", "display_name: " + "A" * 2_000_000 + "\n")


def long_display_name(root: Path) -> None:
    config(root, "acme", "display_name: " + "A" * 200_000 + "\n")


def research_table_deleted(root: Path) -> None:
    (root / "data" / "raw" / "market_estimates.csv").unlink()


def deeply_nested_config(root: Path) -> None:
    config(root, "acme", "display_name: Acme\nparameters:\n  market_size: {geography: "
           + "[" * 100_000 + "]" * 100_000 + "}\n")


def deeply_nested_mapping(root: Path) -> None:
    target = mapping_copy(root, "evil")
    with (target / "interactions.yaml").open("a") as file:
        file.write("notes: " + "[" * 50_000 + "]" * 50_000 + "\n")


def edit_raw_row(filename: str, old: str, new: str) -> Callable[[Path], None]:
    """A curated table with one row's text edited (``old`` must occur exactly once)."""

    def setup(root: Path) -> None:
        path = root / "data" / "raw" / filename
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new), encoding="utf-8")

    return setup


def corrupt_refresh_log(root: Path) -> None:
    logs = root / "build" / "logs"
    logs.mkdir(parents=True)
    (logs / "20261126-170228-1194.json").write_text("{not json")
    (logs / "20261126-170229-1195.json").write_text("[1, 2]")


def corrupt_manifest(root: Path) -> None:
    run = next(p for p in (root / "reports" / "house").iterdir() if p.name != "latest")
    (run / "run.json").write_text("{not json")


def reports_is_a_file(root: Path) -> None:
    shutil.rmtree(root / "reports")
    (root / "reports").write_text("not a folder")


FROZEN: list[Path] = []  # made immutable by a setup; thawed after the case


def read_only(path: Path) -> None:
    """``path`` cannot be written, even by root (who ignores permission bits): chmod, and
    ``chattr +i`` when running as root."""
    path.chmod(0o555)
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        FROZEN.append(path)


def thaw() -> None:
    while FROZEN:
        subprocess.run(["chattr", "-i", str(FROZEN.pop())], check=False)


def client_reports_read_only(root: Path) -> None:
    read_only(root / "reports" / "house")


def processed_is_a_file(root: Path) -> None:
    shutil.rmtree(root / "data" / "processed", ignore_errors=True)
    (root / "data" / "processed").write_text("not a folder")


def killed_publication(root: Path) -> None:
    house = root / "reports" / "house"
    run = next(p for p in house.iterdir() if p.name != "latest")
    shutil.copytree(run, house / "29991231-235959-999f")  # moved in, never became latest
    (house / ".latest-29991231-235959-999f.tmp").symlink_to("29991231-235959-999f")
    (root / "reports" / ".index.html.dead.tmp").write_text("half")


def lock_with_reused_pid(root: Path) -> None:
    (root / "build").mkdir(exist_ok=True)
    (root / "build" / "refresh.lock").write_text(json.dumps({
        "pid": os.getpid(), "host": socket.gethostname(), "command": "refresh",
        "started_utc": "2020-01-01T00:00:00+00:00", "process_start": "1",
    }))


# --------------------------------------------------------------------------- extra checks


def inert_page_keeping(text: str) -> Callable[[Path], None]:
    """The published page has no live script, handler or javascript: link, and keeps ``text``."""

    def check(root: Path) -> None:
        page = _latest_page(root)
        assert "javascript:" not in page.lower()
        assert "<img src=x" not in page and "<b onmouseover" not in page
        assert text in page  # the text stays, the markup goes

    return check


def orphans_removed(root: Path) -> None:
    house = root / "reports" / "house"
    assert not (house / "29991231-235959-999f").exists()
    assert not list(house.glob(".*.tmp")) and not list((root / "reports").glob(".*.tmp"))


def not_created(path: Path) -> None:
    assert not path.exists(), f"{path} was created"


def nothing_executed(root: Path) -> None:
    assert not list((root / "build" / "runs").glob("*/*.ipynb"))


def no_parquet_outside_processed(root: Path) -> None:
    assert not list((root / "data").rglob("*.parquet")) or all(
        p.is_relative_to(root / "data" / "processed") for p in (root / "data").rglob("*.parquet")
    )


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    code: int
    says: str = ""
    setup: Callable[[Path], None] | None = None
    unchanged: tuple[str, ...] = ("data/raw", "reports")
    check: Callable[[Path], None] | None = None
    real_validation: bool = False
    env: dict[str, str] = field(default_factory=dict)
    never_says: tuple[str, ...] = ()  # text the output must not contain


CASES = [
    Case("mapping file names /etc/passwd", ("validate",), 1, "key 'file'",
         mapping_file_escapes, real_validation=True, check=no_parquet_outside_processed),
    Case("mapping file file:///etc/passwd (P3-S01)", ("validate",), 1, "scheme",
         mapping_file_uri("file:///etc/passwd"), real_validation=True,
         never_says=("daemon:",)),
    Case("mapping file file:/etc/passwd (P3-S02)", ("validate",), 1, "scheme",
         mapping_file_uri("file:/etc/passwd"), real_validation=True, never_says=("daemon:",)),
    Case("mapping client ../../raw writes into data/raw", ("validate",), 1, "key 'client'",
         mapping_client_escapes, real_validation=True, check=no_parquet_outside_processed),
    Case("mapping file is a symlink out of the folder", ("validate",), 1, "outside",
         mapping_file_symlink, real_validation=True),
    Case("client folder is a symlink out of data/raw", ("validate",), 1, "contained",
         client_folder_symlink, real_validation=True),
    Case("export with mixed line endings (E05)", ("validate",), 1,
         "calls.csv: line 3: the line endings are mixed", evil_export(_crlf_every_third),
         real_validation=True, never_says=("state machine",)),
    Case("NUL inside an export's queue name (E06)", ("validate",), 1,
         "column 'queue': text must not contain control or direction-changing characters",
         evil_export(_queue(b"Tech\x00Support")), real_validation=True,
         never_says=("Tech\x00",)),
    Case("a 40 MB queue name (E07): refused with line and length, never echoed", ("validate",),
         1, "line 100: the line is 40,000,0", evil_export(_queue(b"T" * 40_000_000)),
         real_validation=True),
    Case("an export queue name of 5,000 characters (E07)", ("validate",), 1,
         "= '5,000 characters'", evil_export(_queue(b"T" * 5000)), real_validation=True),
    Case("xlsx zip bomb (E12): refused from the zip directory", ("validate",), 1,
         "workbook part 'xl/worksheets/sheet1.xml' inflates to 20,971,520 bytes", xlsx_zip_bomb,
         real_validation=True),
    Case("malformed lines counted and listed once (E15)", ("validate",), 1,
         "(316 malformed line(s) in all, at lines 9, 10, 11, 12, 16, ...)",
         evil_export(_quote_in_web_chat_rows), real_validation=True),
    Case("100,000 nested lists in a client config (A17, A18)", ("report", "--client", "acme"),
         2, "acme.yaml: not valid YAML: line 3, column 57: nested more than 32 levels deep",
         deeply_nested_config, check=nothing_executed, never_says=("Traceback", "Recursion")),
    Case("50,000 nested lists in a mapping file (D06)", ("validate",), 1,
         "nested more than 32 levels deep", deeply_nested_mapping, real_validation=True,
         never_says=("Traceback", "Recursion")),
    Case("negative official exchange rate (U04)", ("validate",), 1, "[positive]",
         edit_raw_row("exchange_rates.csv", "EUR,2023,1.0817,", "EUR,2023,-1.0817,"),
         unchanged=("reports",), real_validation=True),
    Case("row filters exclude every row (D03)", ("validate",), 1,
         "calls.csv: every data row was excluded by the mapping's row filters (198 row(s) "
         "excluded, none left) [has_rows]", every_row_excluded, real_validation=True,
         never_says=("'0 rows'",)),
    Case("one short line is counted once (E04, held by s2-i14)", ("validate",), 1,
         "calls.csv: line 3: malformed line, fewer fields than the header's 13 (1 malformed "
         "line(s) in all, at lines 3): 'xxxxxxxx'",
         evil_export(_short_line_3), real_validation=True, never_says=("lines 3, 3",)),
    Case("the export is a named pipe (E01): said, never opened", ("validate",), 1,
         "the export is a named pipe (FIFO), not a regular file", export_replaced(os.mkfifo),
         real_validation=True, never_says=("not found",)),
    Case("the export is a folder (E07)", ("validate",), 1,
         "the export is a folder, not a file", export_replaced(Path.mkdir),
         real_validation=True, never_says=("not found",)),
    Case("a UTF-8 export declared utf-16-le (E11): the encoding is hinted at", ("validate",), 1,
         "before the header on line 2 (read as utf-16-le: a file in another encoding",
         utf8_declared_utf16, real_validation=True),
    Case("one 40 MB line in a gzip export (E03, held by s2-i14)", ("validate",), 1,
         "calls.csv.gz: line 3: the line is 40,000,0", gzip_one_huge_line, real_validation=True,
         never_says=("'0 rows'",)),
    Case("mapping constant csat_scale: .inf (P4-M08): refused by key, not a silent NULL",
         ("validate",), 1, "key 'constants.csat_scale': inf is not a finite number [finite]",
         evil_csat_scale(".inf"), real_validation=True, never_says=("has no csat_scale",)),
    Case("mapping constant csat_scale: 1e999 (P4-M08, text that overflows)", ("validate",), 1,
         "key 'constants.csat_scale': '1e999' is not a finite number [finite]",
         evil_csat_scale("1e999"), real_validation=True),
    Case("USD bn market value of 3,283,000,000", ("validate",), 1, "plausible_magnitude",
         implausible_market_value, unchanged=("reports",), real_validation=True),
    Case("export README title with a javascript: link", ("report", "--force"), 0, "",
         readme_javascript_link, unchanged=("data/raw",), check=inert_page_keeping("click me")),
    Case("raw HTML in a text parameter", ("report", "--force", "-p",
         "note=<img src=x onerror=alert(1)> [see](javascript:alert(1))"), 0, "",
         unchanged=("data/raw",), check=inert_page_keeping("see")),
    Case("-p kpi_export outside data/raw/clients", ("report", "-p", "kpi_export=/etc"), 1,
         "kpi_export", check=nothing_executed),
    Case("per-report kpi_export in a config", ("report", "--client", "acme"), 1, "kpi_export",
         kpi_export_parameter_in_config, check=nothing_executed),
    Case("config kpi_export is a symlink out of data/raw", ("report", "--client", "acme"), 1,
         "kpi_export", kpi_export_symlink_in_config, check=nothing_executed),
    Case("-p client escapes its folder", ("report", "-p", "client=../../etc"), 1, "client",
         check=nothing_executed),
    Case("-p client names another client's export", ("report", "-p", "client=demo"), 2,
         "set by the build", check=nothing_executed),
    Case("a parameter given twice (B13)",
         ("report", "-p", "note=India", "-p", "note=Global"), 2,
         "parameter 'note' is given twice ('India' and 'Global')", check=nothing_executed),
    Case("a parameter given twice through make's P (B13)",
         ("report", "--params", "note=a note=b"), 2, "parameter 'note' is given twice",
         check=nothing_executed),
    Case("bpo runs --client ../..", ("runs", "--client", "../.."), 1, "not allowed"),
    Case("--client ../etc", ("report", "--client", "../etc"), 1, "'../etc'"),
    Case("--client with a trailing newline", ("report", "--client", "house\n"), 1,
         "not allowed"),
    Case("--client empty (a typo, not every client)", ("report", "--client", ""), 1,
         "not allowed", check=nothing_executed),
    Case("config file name is not an id", ("report",), 1, "Bad Name.yaml",
         bad_config_file_name, check=nothing_executed),
    Case("logo is a symlink out of config/", ("report", "--client", "acme"), 1,
         "branding.logo", logo_symlink),
    Case("SVG logo with a script, onload and a file:// image (A22): refused at plan time",
         ("report", "--client", "acme"), 2,
         "branding.logo 'logos/evil.svg' is not an inert SVG: line 1: a <script> element",
         active_svg_logo, check=nothing_executed),
    Case("client config is a symlink out of config/", ("report", "--client", "acme"), 1,
         "key 'config file'", config_symlink_out, check=nothing_executed),
    Case("client config is a symlink to a valid config outside the project (J02)",
         ("report", "--client", "acme"), 1, "key 'config file'",
         config_symlink_to_outside_config, check=nothing_executed),
    Case("client config is binary, not text", ("report", "--client", "acme"), 2,
         "not UTF-8 text", binary_config, check=nothing_executed),
    Case("a config key given twice", ("report", "--client", "acme"), 2,
         "key 'display_name' is given twice (lines 1 and 2)", duplicate_config_key,
         check=nothing_executed),
    Case("escape and right-to-left characters in the client name", ("report", "--client", "acme"),
         2, "control or formatting character U+001B", spoofing_display_name,
         check=nothing_executed),
    Case("C1 control (NEL) in the client name (P3-C03)", ("report", "--client", "acme"), 2,
         "control or formatting character U+0085",
         lambda root: config(root, "acme", 'display_name: "Acme\\x85Corp"\n'),
         check=nothing_executed),
    Case("right-to-left isolate in the client name (P3-C03)", ("report", "--client", "acme"), 2,
         "control or formatting character U+2067",
         lambda root: config(root, "acme", 'display_name: "Acme\\u2067x"\n'),
         check=nothing_executed),
    Case("a YAML complex key in a client config (P3-C04)", ("report", "--client", "acme"), 2,
         "acme.yaml: not valid YAML: line 2, column 3: a key must be a plain name, not a list",
         lambda root: config(root, "acme", "display_name: Acme\n? [a, b]\n: 1\n"),
         check=nothing_executed, never_says=("Traceback", "unhashable")),
    Case("an impossible date in a client config (P3-C11)", ("report", "--client", "acme"), 2,
         "acme.yaml: not valid YAML: line 3, column 10: '2026-02-30' is not a real date",
         lambda root: config(root, "acme", "display_name: Acme\ntransition:\n  start: "
                             "2026-02-30\n"), check=nothing_executed,
         never_says=("Traceback",)),
    Case("an impossible date in a -p parameter", ("report", "-p", "note=2026-02-30"), 2,
         "-p.note: not valid YAML", check=nothing_executed),
    Case("transition.start: 1900-01-01 (P7-C25): refused at config load, not published",
         ("report", "--client", "acme"), 2,
         "transition.start: Value error, 1900-01-01 is before 1990-01-01",
         lambda root: config(root, "acme", "display_name: Acme\ntransition: {start: 1900-01-01, "
                             "waves: 1, nesting_weeks: 2, kt_experts: 2, travel_usd: 0}\n"),
         check=nothing_executed),
    Case("sla.last_month: 2041-01 (P9-C03): the date rule names the month's key",
         ("report", "--client", "acme"), 2,
         "sla.last_month: Value error, 2041-01 is after 2040 (a mistyped year?",
         lambda root: config(root, "acme", "display_name: Acme\nsla: {monthly_fee_usd: 1000, "
                             "at_risk_pct: 10, last_month: 2041-01, kpis: {service_level: "
                             "{target: 80, weight: 1}}}\n"),
         check=nothing_executed, never_says=("no data for month",)),
    Case("engine: Spark (capital S) under bpo validate (P3-S07): named, not swallowed",
         ("validate",), 2, "acme.yaml: engine: 'Spark' is not allowed",
         lambda root: config(root, "acme", "display_name: Acme\nengine: Spark\n"),
         real_validation=True, never_says=("validation passed",)),
    Case("a negative minimum gate, capacity_fte: -5 (P3-C10)", ("report", "--client", "acme"), 2,
         "gate 'capacity_fte': a minimum must be a finite number above 0 (got -5",
         lambda root: config(root, "acme", "display_name: Acme\nselection:\n  weights: {cost: 1}"
                             "\n  gates: {iso_27001: true, capacity_fte: -5}\n"),
         check=nothing_executed),
    Case("staffing.shrinkage_pct: 99.9999999 (P4-C06): implausible, refused before any "
         "notebook", ("report", "--client", "acme"), 2,
         "staffing.shrinkage_pct: Value error, 99.9999999 % is above the plausible maximum of "
         "60 %: above it fewer than 2 in 5 paid hours would be spent on contacts",
         lambda root: config(root, "acme", "display_name: Acme\n"
                             "staffing: {shrinkage_pct: 99.9999999}\n"),
         check=nothing_executed),
    Case("a client name of three spaces (A02)", ("report", "--client", "acme"), 2,
         "display_name: Value error, must not be blank",
         lambda root: config(root, "acme", 'display_name: "   "\n'), check=nothing_executed),
    Case("a 2 MB client name is refused without echoing it (over the 1 MiB YAML limit)",
         ("report", "--client", "acme"), 2, "acme.yaml: not valid YAML: 2,000,015 bytes [max_size]",
         huge_display_name, check=nothing_executed),
    Case("a 200 kB client name is refused without echoing it", ("report", "--client", "acme"), 2,
         "at most 120 characters", long_display_name, check=nothing_executed),
    Case("negative in-house attrition override", ("report", "--client", "acme"), 2,
         "home_attrition_pct: Input should be greater than or equal to 0",
         overrides_in_config("{assumption_overrides: {home_attrition_pct: -5000}}"),
         check=nothing_executed),
    Case("infinite fit weight", ("report", "--client", "acme"), 2, "weights.cost",
         overrides_in_config("{weights: {cost: .inf}}"), check=nothing_executed),
    Case("multi-shore shares not summing to 1", ("report", "--client", "acme"), 2, "sum to 1",
         overrides_in_config("{multi_shore: {India: 0.9, Philippines: 0.9}}"),
         check=nothing_executed),
    Case("refresh with a research table deleted (X01): validated before announcing, said once",
         ("refresh", "--force"), 1, "CRITICAL market_estimates.csv: file not found at",
         research_table_deleted, unchanged=("reports",), real_validation=True,
         never_says=("building", "market_estimates.csv: market_estimates.csv",
                     "[missing_file] [missing_file]")),
    Case("unreadable run.json of an old run, publishing", ("report", "--force"), 0,
         "skipped run", corrupt_manifest, unchanged=("data/raw",)),
    Case("unreadable run.json of an old run, bpo runs", ("runs",), 0, "skipped run",
         corrupt_manifest),
    Case("bpo runs --refreshes with corrupt refresh logs (R03): listed as unreadable",
         ("runs", "--refreshes"), 0,
         "20261126-170228-1194  unreadable log, skipped: 20261126-170228-1194.json: Expecting",
         corrupt_refresh_log, never_says=("no refresh has run yet",)),
    Case("reports/ not writable", ("report", "--force"), 2, "not writable",
         reports_is_a_file, check=nothing_executed),
    Case("reports/<client> read-only (J05): refused before the build", ("report", "--force"), 2,
         "reports/house is not writable", client_reports_read_only, check=nothing_executed,
         never_says=("Errno", "building")),
    Case("reports/<client> read-only, refresh (J05)", ("refresh", "--force"), 2,
         "reports/house is not writable", client_reports_read_only, check=nothing_executed,
         never_says=("Errno", "building")),
    Case("data/processed is a file (J06): refused before the build",
         ("report", "--force", "-p", "kpi_export=data/raw/clients/demo"), 2,
         "data/processed/clients/demo is not writable (Not a directory", processed_is_a_file,
         check=nothing_executed, never_says=("Errno", "building")),
    Case("full disk", ("report", "--force"), 2, "MiB free", check=nothing_executed,
         env={"BPO_TEST_FREE_BYTES": "1024"}),
    Case("kill mid-publication left temp files and an orphaned run", ("report", "--force"), 0,
         "removed leftover", killed_publication, unchanged=("data/raw",), check=orphans_removed),
    Case("BPO_DUCKDB_MEMORY_LIMIT=banana (P5-R04): the setting named, not a DuckDB traceback",
         ("validate",), 2, "environment setting BPO_DUCKDB_MEMORY_LIMIT='banana' is not valid: "
         "expected a size with a unit", real_validation=True,
         env={"BPO_DUCKDB_MEMORY_LIMIT": "banana"}, never_says=("Traceback", "Parser Error")),
    Case("BPO_DUCKDB_MEMORY_LIMIT=1KB (P5-R05): below the floor, not 'Out of Memory' per export",
         ("validate",), 2, "BPO_DUCKDB_MEMORY_LIMIT='1KB' is not valid: expected at least 64MB",
         real_validation=True, env={"BPO_DUCKDB_MEMORY_LIMIT": "1KB"},
         never_says=("Out of Memory", "CRITICAL")),
    Case("BPO_DUCKDB_MEMORY_LIMIT=99999999TB (P8-R05): above the machine's memory, named",
         ("validate",), 2, "BPO_DUCKDB_MEMORY_LIMIT='99999999TB' is not valid: expected at most "
         "this machine's memory", real_validation=True,
         env={"BPO_DUCKDB_MEMORY_LIMIT": "99999999TB"}, never_says=("Traceback", "CRITICAL")),
    Case("BPO_SPARK_DRIVER_MEMORY=99999999t (P8-R05, the same rule): named before any work",
         ("report", "--force"), 2, "BPO_SPARK_DRIVER_MEMORY='99999999t' is not valid: expected "
         "at most this machine's memory", env={"BPO_SPARK_DRIVER_MEMORY": "99999999t"},
         check=nothing_executed),
    Case("BPO_SPARK_MASTER=local[0] (P8-X08): the setting, exit 2, not a mapping problem",
         ("validate",), 2, "environment setting BPO_SPARK_MASTER='local[0]' is not valid: "
         "expected local, local[N] (N >= 1 threads)", real_validation=True,
         env={"BPO_SPARK_MASTER": "local[0]"}, never_says=("CRITICAL", "[mapping]")),
    Case("SPARK_REMOTE=localhost:15002 without sc:// (P8-X08, the same class)",
         ("report", "--force"), 2, "environment setting SPARK_REMOTE='localhost:15002' is not "
         "valid: expected a Spark Connect URL", env={"SPARK_REMOTE": "localhost:15002"},
         check=nothing_executed),
    Case("BPO_ROOT a folder that does not exist (P8-R03): named, nothing created",
         ("validate",), 2, "environment setting BPO_ROOT=", real_validation=True,
         env={"BPO_ROOT": "{root}/nope"}, check=lambda root: not_created(root / "nope"),
         never_says=("CRITICAL", "file not found")),
    Case("BPO_ROOT a file (P8-R04): named, not '.../build/...: Not a directory'",
         ("validate",), 2, "is a file, not a folder", real_validation=True,
         env={"BPO_ROOT": "{root}/data/raw/sources.csv"}, never_says=("Not a directory",)),
    Case("BPO_ROOT a folder without data/raw (P8-R03): named before any report",
         ("report", "--force"), 2, "has no data/raw folder", env={"BPO_ROOT": "{root}/notebooks"},
         check=lambda root: not_created(root / "notebooks" / "build")),
    Case("BPO_KPI_PARTITION_ROWS=0 (P5-R04, every BPO_* setting): refused before any work",
         ("report", "--force"), 2, "BPO_KPI_PARTITION_ROWS='0' is not valid: expected a whole "
         "number of at least 1", env={"BPO_KPI_PARTITION_ROWS": "0"}, check=nothing_executed),
    Case("BPO_SPARK_DRIVER_MEMORY=lots (P5-R04): named at once, not when Spark starts",
         ("report", "--force"), 2, "BPO_SPARK_DRIVER_MEMORY='lots' is not valid",
         env={"BPO_SPARK_DRIVER_MEMORY": "lots"}, check=nothing_executed),
    Case("lock whose pid now belongs to another process", ("report", "--force"), 0,
         "stale lock", lock_with_reused_pid, unchanged=("data/raw",)),
    Case("ESC sequences and a newline in a row filter's reason (P5-M11)", ("validate",), 1,
         "interactions.yaml: key 'exclude.0.reason': contains the control or formatting "
         "character U+001B at position 1 [no_control_characters]",
         evil_mapping_edit('exclude:\n  - {column: Queue, values: [Billing], '
                           'reason: "\\x1b[2J\\x1b[31mPWNED\\nCRITICAL fake line"}\n'),
         real_validation=True, never_says=("\x1b", "\nCRITICAL fake line")),
    Case("a newline in a per-report parameter of a config (P5-M11)",
         ("report", "--client", "acme"), 2,
         "acme.yaml: key 'parameters.ok.note': contains the control or formatting character "
         "U+000A at position 6",
         lambda root: config(root, "acme", 'display_name: Acme\nreports: [ok]\n'
                             'parameters: {ok: {note: "PWNED\\nCRITICAL fake line"}}\n'),
         check=nothing_executed, never_says=("\nCRITICAL fake line",)),
    Case("mapping constant csat_scale: \"5\", a quoted number (P5-M12): refused as text",
         ("validate",), 1, "key 'constants.csat_scale': '5' is text, not a number",
         evil_csat_scale('"5"'), real_validation=True),
    Case("unknown mapping constant (P5-M13): named under constants, not the top level",
         ("validate",), 1, "key 'constants.answer_bonus': unknown canonical column",
         evil_csat_scale("5\n  answer_bonus: 3"), real_validation=True,
         never_says=("(top level)",)),
    Case("numbers as a value map's targets (P5-M16): no pydantic internals in the key",
         ("validate",), 1, "key 'columns.csat.values.5': 5 must be text: put it in quotes",
         evil_mapping_replace("csat: CSAT", "csat: {source: CSAT, values: {'5': 5, '4': 4}}"),
         real_validation=True, never_says=("ColumnSpec", "csat.str")),
    Case("export named 'calls.csv ' with a trailing space (P5-M08): the space is shown",
         ("validate",), 1, "key 'file': 'calls.csv ' starts or ends with a space",
         evil_mapping_replace("file: calls.csv", "file: 'calls.csv '"), real_validation=True),
    Case("config/clients/acme.yaml is a folder (P5-C06): said so, not 'not found'",
         ("report", "--client", "acme"), 2, "acme.yaml is a folder, not a file",
         lambda root: (root / "config/clients/acme.yaml").mkdir(), check=nothing_executed,
         never_says=("not found",)),
    Case("mapping encoding: rot13 (P7-M02): refused at load, not ignored", ("validate",), 1,
         "interactions.yaml: the mapping cannot be used: ", evil_mapping_edit("encoding: rot13\n"),
         real_validation=True, never_says=("validation passed",)),
    Case("mapping decimal equal to the delimiter (P7-M05)", ("validate",), 1,
         "keys 'delimiter' and 'decimal': both are ';'", evil_mapping_edit("decimal: ';'\n"),
         real_validation=True, never_says=("validation passed",)),
    Case("true_values and false_values overlap (P7-M08)", ("validate",), 1,
         "keys 'columns.resolved.true_values' and 'columns.resolved.false_values': 'Y' is in "
         "both", evil_mapping_replace('false_values: ["N"]', 'false_values: ["Y", "N"]'),
         real_validation=True, never_says=("validation passed",)),
    Case("unknown strftime directive (P7-M10): the mapping key, not DuckDB's error",
         ("validate",), 1, "key 'columns.arrived_at.format': '%d/%m/%Y %H:%M:%S %Q' is not a "
         "strftime pattern", evil_mapping_replace("%H:%M:%S", "%H:%M:%S %Q"),
         real_validation=True, never_says=("Invalid Input Error",)),
    Case("timestamp format '%%' (P9-M07): refused at load naming the key, not per row",
         ("validate",), 1, "key 'columns.arrived_at.format': '%%' is neither a named format",
         evil_mapping_replace("%d/%m/%Y %H:%M:%S", "%%"), real_validation=True,
         never_says=("not a timestamp in format",)),
    Case("a TAB indenting a mapping line (P9-M17): said in the project's words",
         ("validate",), 1, "not valid YAML: line 11, column 1: a tab cannot indent YAML; use "
         "spaces", evil_mapping_replace("  queue: Queue", "\tqueue: Queue"),
         real_validation=True, never_says=("scanning for the next token",)),
    Case("a TAB indenting a config line (P9-C07): said in the project's words",
         ("report", "--client", "acme"), 2,
         "acme.yaml: not valid YAML: line 2, column 1: a tab cannot indent YAML; use spaces",
         lambda root: config(root, "acme", "display_name: Acme\n\tpaper: A4\n"),
         check=nothing_executed, never_says=("scanning for the next token",)),
    Case("CSAT '1e400' (P7-A34): not a finite number, shown as written", ("validate",), 1,
         "column 'csat': the export was rejected: the value is not a finite number (export "
         "column 'CSAT') [parseable]: 1 bad row, e.g. line 100 = '1e400'",
         evil_export(lambda lines: [*lines[:99], lines[99].rsplit(b";", 1)[0] + b";1e400",
                                    *lines[100:]]),
         real_validation=True, never_says=("'inf'", "above the CSAT scale")),
    Case("mapping of random bytes (P7-M16): said like a config says it", ("validate",), 1,
         "interactions.yaml: not UTF-8 text (byte 0): a mapping is a YAML text file",
         lambda root: (evil_export(lambda lines: lines, lines=20)(root), (
             root / "data/raw/clients/evil/interactions.yaml").write_bytes(b"\xac\x00" * 64)),
         real_validation=True, never_says=("codec",)),
    Case("mapping key given twice (P7-M24): one line, no PyYAML snippet", ("validate",), 1,
         "interactions.yaml: not valid YAML: line 23, column 3: key 'csat_scale' is given "
         "twice (lines 22 and 23) [mapping]", evil_csat_scale("5\n  csat_scale: 10"),
         real_validation=True, never_says=("<unicode string>", "^")),
    Case("mapping delimiter is the quote character (P8-M03): refused at load, naming the key",
         ("validate",), 1, "keys 'delimiter' and 'quote character (always '\"')': both are "
         "'\"'", evil_mapping_replace('delimiter: ";"', "delimiter: '\"'"),
         real_validation=True, never_says=("not in the header",)),
    Case("mapping delimiter is a newline (P8-M04): refused at load, naming the key",
         ("validate",), 1, "key 'delimiter': '\\n' cannot separate fields: a line break or "
         "control character is not a delimiter", evil_mapping_replace('delimiter: ";"',
                                                                      'delimiter: "\\n"'),
         real_validation=True, never_says=("not in the header",)),
    Case("mapping delimiter is a CR (P8-M04, any line break)", ("validate",), 1,
         "key 'delimiter': '\\r' cannot separate fields",
         evil_mapping_replace('delimiter: ";"', 'delimiter: "\\r"'), real_validation=True),
    Case("mapping delimiter is U+2028 LINE SEPARATOR (P8-M04, any line break)", ("validate",), 1,
         "key 'delimiter': '\\u2028' cannot separate fields",
         evil_mapping_replace('delimiter: ";"', 'delimiter: "\\u2028"'), real_validation=True),
    Case("a missing marker that is also a false_values word (P8-M27): refused at load",
         ("validate",), 1, "keys 'missing' and 'columns.resolved.false_values': '?' is in both",
         evil_mapping_replace('false_values: ["N"]', 'false_values: ["N", "?"]'),
         real_validation=True, never_says=("validation passed",)),
    Case("an exclude rule with a blank reason (P8-M18): refused at load, naming the key",
         ("validate",), 1, "key 'exclude.0.reason': the reason is blank",
         evil_mapping_edit('exclude:\n  - {column: Result, values: [SAB], reason: "  "}\n'),
         real_validation=True, never_says=("excluded 12 row(s)",)),
    Case("Talk 800:00:00, a 33-day call (P8-A13): above the per-contact maximum, line named",
         ("validate",), 1, "column 'talk_seconds': the export was rejected: the value is above "
         "the maximum 86400 (24 hours: a longer time is not one contact's (a typo?)) "
         "[maximum]: 1 bad row, e.g. line 100 = '800:00:00'",
         evil_export(_field(7, b"800:00:00")), real_validation=True,
         never_says=("validation passed",)),
    Case("Wait 24:00:01 (P8-A13, every per-contact duration): refused", ("validate",), 1,
         "column 'wait_seconds': the export was rejected: the value is above the maximum 86400",
         evil_export(_field(6, b"24:00:01", line=150)), real_validation=True),
    Case("a lone CR inside an unquoted Queue value on line 100 (P8-A22): the line named",
         ("validate",), 1, "calls.csv: line 100: a carriage return (CR) that is not followed "
         "by a line feed", evil_export(_queue(b"Bill\ring")), real_validation=True,
         never_says=("state machine",)),
    Case("an extra column with a blank header name on every line (P7-A19): named by position",
         ("validate",), 1, "calls.csv: line 2: column 14 of the header has no name",
         evil_export(lambda lines: [line + b";" if line else line for line in lines]),
         real_validation=True, never_says=("zero-length delimited identifier",)),
    Case("gzip bytes in a file named calls.csv (P7-A26): said as gzip, not as bad utf-8",
         ("validate",), 1, "calls.csv: the file holds gzip-compressed data but its name does "
         "not end in .gz: name it calls.csv.gz",
         lambda root: (evil_export(lambda lines: lines, lines=50)(root), (
             root / "data/raw/clients/evil/calls.csv").write_bytes(gzip.compress(
                 (root / "data/raw/clients/evil/calls.csv").read_bytes()))),
         real_validation=True, never_says=("not valid utf-8",)),
    Case("old-Mac CR-only line ends (P7-A14): said as CR line ends, not 'ends at line 1'",
         ("validate",), 1, "calls.csv: line 1: the file's lines end with a carriage return "
         "only (CR, old Mac style), not LF or CRLF: save it with LF or CRLF line ends",
         evil_export_bytes(lambda data: data.replace(b"\n", b"\r")), real_validation=True,
         never_says=("before the header",)),
    Case("export saved as UTF-16LE without a BOM, mapping says utf-8 (P7-A17): the encoding "
         "named, not the mapping blamed", ("validate",), 1,
         "calls.csv: line 1: the export looks like UTF-16 (little-endian) text (a NUL byte "
         "beside every character), not utf-8 as the mapping reads it: set 'encoding: "
         "utf-16-le' in the mapping, or save the export as UTF-8",
         evil_export_bytes(lambda data: data.decode("utf-8").encode("utf-16-le")),
         real_validation=True, never_says=("mapping value", "mapping cannot be used")),
    Case("export saved as UTF-16BE without a BOM (P7-A17, both byte orders)", ("validate",), 1,
         "set 'encoding: utf-16-be' in the mapping",
         evil_export_bytes(lambda data: data.decode("utf-8").encode("utf-16-be")),
         real_validation=True, never_says=("mapping value",)),
    Case("a NUL byte inside a header name of a UTF-8 export (P7-A17's wording class): the "
         "export's fault", ("validate",), 1,
         "calls.csv: line 2: column 4 of the header holds a NUL byte (U+0000 at character 3)",
         evil_export(lambda lines: [lines[0], lines[1].replace(b"Queue", b"Qu\x00eue"),
                                    *lines[2:]], lines=200),
         real_validation=True, never_says=("mapping value", "mapping cannot be used")),
    Case("header_offset: true (P9-M11): a yes/no value is not read as 1", ("validate",), 1,
         "key 'header_offset': true is a yes/no value, not a number",
         evil_mapping_replace("header_offset: 1", "header_offset: true"), real_validation=True,
         never_says=("validation passed",)),
    Case("double-spaced export (P5-E16): the blank header line is named",
         ("validate",), 1, "calls.csv: line 2: the header line is blank",
         evil_export(lambda lines: [part for line in lines for part in (line, b"")]),
         real_validation=True, never_says=("(found: [])",)),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A small project with the real curated data and one published house run."""
    root = tmp_path_factory.mktemp("template") / "project"
    shutil.copytree(REPO / "data" / "raw", root / "data" / "raw")
    write_notebook(root / "notebooks" / "ok.ipynb", NOTEBOOK_PARAMETERS, NOTEBOOK_CELLS)
    (root / "config" / "clients").mkdir(parents=True)
    (root / "config" / "clients" / "house.yaml").write_text("display_name: BPO Research\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BPO_ROOT", str(root))
        mp.setenv("CI", "true")
        mp.setattr(reports, "REPORTS", REGISTRY)
        mp.setattr(gate, "run_validation", lambda clients=None: FakeValidation())
        assert cli.main(["report"]) == 0
    shutil.rmtree(root / "build")
    return root


def on_spark(setup: Callable[[Path], None]) -> Callable[[Path], None]:
    """``setup``, then a client config that sends the ``evil`` export to ``engine: spark``."""

    def with_engine(root: Path) -> None:
        setup(root)
        config(root, "evil", "display_name: Evil\nkpi_export: data/raw/clients/evil\n"
                             "engine: spark\n")

    return with_engine


SPARK_CASES = [
    Case("a lone CR inside an unquoted Queue value on line 100, engine: spark (P8-A22 on "
         "Spark): the line named, not two malformed lines", ("validate",), 1,
         "calls.csv: line 100: a carriage return (CR) that is not followed by a line feed: "
         "Spark ends a line at a CR alone", on_spark(evil_export(_queue(b"Bill\ring"))),
         real_validation=True, never_says=("malformed line", "lines 100, 101")),
]
"""Rows run on the Spark engine: they share the test run's one Spark session (its xdist
group), so they are kept apart from ``CASES``."""


def run_case(case: Case, template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> None:
    """One catalogue row on a fresh copy of the small project: exit code, output, folders."""
    root = tmp_path / "project"
    shutil.copytree(template, root, symlinks=True)
    monkeypatch.setenv("BPO_ROOT", str(root))
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(reports, "REPORTS", REGISTRY)
    if not case.real_validation:
        monkeypatch.setattr(gate, "run_validation", lambda clients=None: FakeValidation())
    for name, value in case.env.items():
        if name != "BPO_TEST_FREE_BYTES":
            monkeypatch.setenv(name, value.replace("{root}", str(root)))
    if "BPO_TEST_FREE_BYTES" in case.env:
        free = int(case.env["BPO_TEST_FREE_BYTES"])
        real = shutil.disk_usage
        monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=free))
    if case.setup:
        case.setup(root)
    before = {folder: snapshot(root / folder) for folder in case.unchanged}
    try:
        code = cli.main(list(case.argv))
    except Exception as error:  # noqa: BLE001 - a traceback is the defect being catalogued
        code = CRASHED
        print(f"crashed: {type(error).__name__}: {error}")
    finally:
        thaw()
    output = capsys.readouterr().out
    assert code == case.code, output
    assert case.says in output, output
    for text in case.never_says:
        assert text not in output, output
    assert "SECRET-LINE" not in output  # no error message echoes a file outside the project
    assert len(output) < 20_000  # nor a hostile value in bulk
    for folder, state in before.items():
        assert snapshot(root / folder) == state, f"{folder} changed"
    if case.check:
        case.check(root)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input(case, template, tmp_path, monkeypatch, capsys):
    run_case(case, template, tmp_path, monkeypatch, capsys)


@pytest.mark.parametrize("case", SPARK_CASES, ids=[case.id for case in SPARK_CASES])
def test_hostile_input_on_spark(case, spark, template, tmp_path, monkeypatch, capsys):
    run_case(case, template, tmp_path, monkeypatch, capsys)


# --------------------------------------------------------------------------- make


@pytest.fixture
def fake_bpo(tmp_path):
    """``make`` variables pointing at a ``bpo`` that prints its arguments as JSON."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "bpo"
    script.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    script.chmod(0o755)
    stamp = tmp_path / "stamp"
    stamp.touch()
    return [f"BIN={bin_dir}", f"STAMP={stamp}"]


MAKE_CASES = [
    ("CLIENT with shell metacharacters", ["report", "CLIENT=house;touch {marker};true"],
     ["report", "--client", "house;touch {marker};true", "--params", ""]),
    ("P with a value with spaces and a command substitution",
     ["refresh", "P=segment=\"Contact centre\" x=$(touch {marker}) y=`touch {marker}` q=it's"],
     ["refresh", "--nothing-to-do-ok", "--params",
      "segment=\"Contact centre\" x=$(touch {marker}) y=`touch {marker}` q=it's"]),
    ("ARGS of make runs", ["runs", "ARGS=--client x;touch {marker}"],
     ["runs", "--client", "x;touch", "{marker}"]),
]


@pytest.mark.parametrize(("goal", "expected"), [(c[1], c[2]) for c in MAKE_CASES],
                         ids=[c[0] for c in MAKE_CASES])
def test_make_passes_values_not_code(goal, expected, fake_bpo, tmp_path):
    marker = tmp_path / "pwned"
    argv = [item.replace("{marker}", str(marker)) for item in goal]
    result = subprocess.run(["make", "-s", "-C", str(REPO), *argv, *fake_bpo],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [e.replace("{marker}", str(marker)) for e in expected]
    assert not marker.exists()


README_MAKE_P = re.compile(r"`(?:make report((?: [A-Z_]+=[^ `']+)*) )?P=('[^']*'|\"[^\"]*\")`")


def test_readme_parameter_examples_work_through_make(fake_bpo):
    """Every `make report ... P=...` (or bare `P=...`) example in the README reaches bpo intact
    and plans on the
    real project: its parameters, alone and together, select figures in the data (M01: the
    README's own example used to fail inside a notebook after other reports were built)."""
    examples = README_MAKE_P.findall((REPO / "README.md").read_text(encoding="utf-8"))
    assert examples, "no `make report ... P=...` example found in the README"
    for variables, quoted in examples:
        goal = ["report", *variables.split(), f"P={quoted[1:-1]}"]
        result = subprocess.run(["make", "-s", "-C", str(REPO), *goal, *fake_bpo],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        argv = json.loads(result.stdout)
        args = cli.build_parser().parse_args(argv)
        assert args.params == quoted[1:-1]
        deliverables = plan_request(cli._request(args))  # raises on a combination with no data
        assert deliverables, goal


def test_params_string_is_split_like_a_shell_without_running_anything():
    assert cli.split_params('segment="Contact centre" base_year=2025') == [
        "segment=Contact centre", "base_year=2025"]
