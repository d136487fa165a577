"""Broken client exports: one line naming the file (and line, column, value), at any size.

Each case breaks a small export in one way and checks the loader's message, then that
``python -m analysis.data.validation`` exits 1 with one CRITICAL line naming the export and
leaves ``data/raw`` (and the cache folder: no partial table) untouched.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import snapshot

from analysis.data.client_exports import load_export
from analysis.data.validation import main
from analysis.errors import DataValidationError

HEADER = "Call ID;Date;Time;Queue;Wait;Result"
MAPPING = """\
kind: interactions
file: {file}
delimiter: ";"
header_offset: 1
encoding: {encoding}
missing: ["?", ""]
columns:
  interaction_id: Call ID
  arrived_at: {{source: [Date, Time], format: "%d/%m/%Y %H:%M:%S"}}
  queue: Queue
  wait_seconds: {{source: Wait, format: hms}}
  outcome: {{source: Result, values: {{ANS: answered, ABN: abandoned}}}}
constants: {{channel: voice}}
"""


def row(n: int, *, wait: str = "0:00:12", queue: str = "Billing") -> str:
    return f"c{n};05/02/2025;08:{n % 60:02d}:10;{queue};{wait};ANS"


def export(folder: Path, rows: list[str], *, name: str = "calls.csv", encoding: str = "utf-8",
           header: str = HEADER, data: bytes | None = None) -> Path:
    """Write an export (banner, header, rows) and its mapping; returns the mapping path."""
    folder.mkdir(parents=True, exist_ok=True)
    if data is None:
        text = "BANNER v1\n" + header + "\n" + "\n".join(rows) + "\n"
        data = text.encode("utf-8" if encoding == "utf-8" else encoding)
        if name.endswith(".gz"):
            data = gzip.compress(data, mtime=0)
    (folder / name).write_bytes(data)
    path = folder / "calls.yaml"
    path.write_text(MAPPING.format(file=name, encoding=encoding), encoding="utf-8")
    return path


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    return tmp_path


def client(root: Path) -> Path:
    return root / "data" / "raw" / "clients" / "acme"


def test_value_error_far_into_a_big_file_names_the_physical_line_and_count(root: Path) -> None:
    """200k rows read in parallel, blank lines early on: lines stay physical, counts exact."""
    rows = [row(n) for n in range(1, 200_001)]
    rows[10] = ""  # a blank line: DuckDB skips it, the line numbers must not
    rows[150_000] = row(150_001, wait="0:0x:46")
    rows[190_000] = row(190_001, wait="soon")
    mapping = export(client(root), rows)
    with pytest.raises(DataValidationError) as err:
        load_export(mapping)
    # banner = line 1, header = line 2, rows[i] on line i + 3.
    assert str(err.value).startswith(f"{mapping.parent / 'calls.csv'}: line 150003, column "
                                     "'Wait' (→ wait_seconds): value '0:0x:46' is not a H:MM:SS")
    assert "(2 row(s) in all)" in str(err.value)


def test_source_line_is_carried_into_the_canonical_table(root: Path) -> None:
    rows = [row(n) for n in range(1, 6)]
    rows.insert(2, "")
    frame = load_export(export(client(root), rows)).to_pandas(with_lines=True)
    assert frame["source_line"].tolist() == [3, 4, 6, 7, 8]
    assert frame["interaction_id"].tolist() == ["c1", "c2", "c3", "c4", "c5"]


def _too_many(folder: Path) -> Path:
    rows = [row(n) for n in range(1, 50)]
    rows[20] += ";EXTRA"
    rows[30] += ";EXTRA"
    return export(folder, rows)


def _too_few(folder: Path) -> Path:
    rows = [row(n) for n in range(1, 50)]
    rows[7] = "c8;05/02/2025"
    return export(folder, rows)


def _quote_in_unquoted_field(folder: Path) -> Path:
    """DuckDB records two errors for each of these lines; each line is counted once (E15)."""
    rows = [row(n) for n in range(1, 50)]
    for i in (6, 7, 8):
        rows[i] = rows[i].replace(";Billing;", ';a =H("u";"c");')
    return export(folder, rows)


def _mixed_line_endings(folder: Path) -> Path:
    """Every third line ends with CRLF (E05): DuckDB's parser stops without a line number."""
    lines = ["BANNER v1", HEADER, *(row(n) for n in range(1, 3000))]
    data = "".join(line + ("\r\n" if i % 3 == 2 else "\n") for i, line in enumerate(lines))
    return export(folder, [], data=data.encode())


def _field_of_40_mb(folder: Path) -> Path:
    """A line longer than DuckDB's 32 MB read buffer, which DuckDB drops without a word (E07)."""
    rows = [row(n) for n in range(1, 100)]
    rows[50] = row(51, queue="T" * 40_000_000)
    return export(folder, rows)


def _field_of_3_mb(folder: Path) -> Path:
    rows = [row(n) for n in range(1, 100)]
    rows[50] = row(51, queue="T" * 3_000_000)
    return export(folder, rows)


def _truncated_gz(folder: Path) -> Path:
    data = gzip.compress(("BANNER\n" + HEADER + "\n" + "\n".join(
        row(n) for n in range(1, 20_000)) + "\n").encode(), mtime=0)
    return export(folder, [], name="calls.csv.gz", data=data[: len(data) // 2])


def _corrupt_gz(folder: Path) -> Path:
    data = bytearray(gzip.compress(("BANNER\n" + HEADER + "\n" + "\n".join(
        row(n) for n in range(1, 20_000)) + "\n").encode(), mtime=0))
    data[-6] ^= 0xFF  # the stored CRC/length no longer match the content
    return export(folder, [], name="calls.csv.gz", data=bytes(data))


def _not_gzip(folder: Path) -> Path:
    return export(folder, [], name="calls.csv.gz", data=b"this is not gzip at all\n")


def _bad_utf8(folder: Path) -> Path:
    rows = [row(n) for n in range(1, 30)]
    rows[12] = row(13, queue="Caf\udce9").encode("utf-8", "surrogateescape").decode(
        "utf-8", "surrogateescape")
    text = ("BANNER v1\n" + HEADER + "\n" + "\n".join(rows) + "\n").encode(
        "utf-8", "surrogateescape")
    return export(folder, [], data=text)


def _bad_cp1252(folder: Path) -> Path:
    rows = [row(n) for n in range(1, 30)]
    data = ("BANNER v1\n" + HEADER + "\n" + "\n".join(rows) + "\n").encode("cp1252")
    lines = data.split(b"\n")
    lines[9] = lines[9].replace(b"Billing", b"Bill\x81ng")  # 0x81 is undefined in cp1252
    return export(folder, [], encoding="cp1252", data=b"\n".join(lines))


def _duplicate_header(folder: Path) -> Path:
    return export(folder, [row(1)], header="Call ID;Date;Time;Queue;Wait;Queue")


def _corrupt_xlsx(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / "calls.xlsx", "w") as book:
        book.writestr("[Content_Types].xml", "<not a workbook")
    (folder / "calls.yaml").write_text(
        "kind: interactions\nfile: calls.xlsx\ncolumns: {interaction_id: Call ID}\n",
        encoding="utf-8")
    return folder / "calls.yaml"


def _xlsx_zip_bomb(folder: Path) -> Path:
    """A workbook whose sheet part inflates 1,000:1 (E12): refused from the zip directory,
    before openpyxl inflates it."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / "calls.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(20):
                part.write(b" " * (1 << 20))
    (folder / "calls.yaml").write_text(
        "kind: interactions\nfile: calls.xlsx\ncolumns: {interaction_id: Call ID}\n",
        encoding="utf-8")
    return folder / "calls.yaml"


def _corrupt_parquet(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "calls.parquet").write_bytes(b"PAR1" + b"\x00garbage" * 20 + b"PAR1")
    (folder / "calls.yaml").write_text(
        "kind: interactions\nfile: calls.parquet\ncolumns: {interaction_id: Call ID}\n",
        encoding="utf-8")
    return folder / "calls.yaml"


BROKEN = [
    pytest.param(_too_many, "calls.csv", r"line 23: malformed line, more fields than the "
                 r"header's 6 \(2 malformed line\(s\) in all, at lines 23, 33\)", id="extra-field"),
    pytest.param(_too_few, "calls.csv", r"line 10: malformed line, fewer fields", id="few-fields"),
    pytest.param(_quote_in_unquoted_field, "calls.csv", r"line 9: malformed line, a quote opened "
                 r"inside an unquoted field \(3 malformed line\(s\) in all, at lines 9, 10, 11\)",
                 id="quote-in-field-lines-once"),
    pytest.param(_mixed_line_endings, "calls.csv", r"line 3: the line endings are mixed: this line "
                 r"ends with CRLF, the lines before it with LF", id="mixed-line-endings"),
    pytest.param(_field_of_40_mb, "calls.csv", r"line 53: the line is 40,000,036 bytes long, "
                 r"more than the 2,000,000 bytes", id="line-of-40-mb"),
    pytest.param(_field_of_3_mb, "calls.csv", r"line 53: the line is 3,000,036 bytes long",
                 id="line-of-3-mb"),
    pytest.param(_truncated_gz, "calls.csv.gz", r"truncated", id="truncated-gz"),
    pytest.param(_corrupt_gz, "calls.csv.gz", r"corrupt", id="corrupt-gz"),
    pytest.param(_not_gzip, "calls.csv.gz", r"corrupt|not a gzip", id="not-gzip"),
    pytest.param(_bad_utf8, "calls.csv", r"line 15: .*not valid utf-8", id="bad-utf8"),
    pytest.param(_bad_cp1252, "calls.csv", r"line 10: text is not valid cp1252", id="bad-cp1252"),
    pytest.param(_duplicate_header, "calls.csv", r"line 2: the header names column 'Queue' "
                 r"twice \(columns 4 and 6\)", id="duplicate-header"),
    pytest.param(_corrupt_xlsx, "calls.xlsx", r"cannot open as an Excel workbook", id="xlsx"),
    pytest.param(_xlsx_zip_bomb, "calls.xlsx", r"workbook part 'xl/worksheets/sheet1\.xml' "
                 r"inflates to 20,971,520 bytes from [\d,]+ \(1,0\d\d:1\)", id="xlsx-zip-bomb"),
    pytest.param(_corrupt_parquet, "calls.parquet", r"cannot be read as Parquet", id="parquet"),
]


@pytest.mark.parametrize(("make", "file", "message"), BROKEN)
def test_broken_export_is_one_line_naming_the_file(
    root: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path], file: str,
    message: str,
) -> None:
    mapping = make(client(root))
    with pytest.raises(DataValidationError, match=message) as err:
        load_export(mapping)
    assert "\n" not in str(err.value) and str(err.value).startswith(str(mapping.parent / file))
    assert len(str(err.value)) < 1000  # a long value is never echoed in bulk
    before = snapshot(root / "data" / "raw")

    code = main(["--clients-only", "--client", "acme"])

    critical = [line for line in capsys.readouterr().out.splitlines() if "CRITICAL" in line]
    assert code == 1 and len(critical) == 1, critical
    assert critical[0].startswith(f"CRITICAL clients/acme/{file}")
    assert snapshot(root / "data" / "raw") == before
    cache = root / "data" / "processed" / "clients" / "acme"
    assert not cache.exists() or not [p for p in cache.iterdir() if ".parquet" in p.name]


def test_a_workbook_part_over_the_size_cap_is_refused_by_name(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import analysis.data.client_exports.workbook_limits as limits

    monkeypatch.setattr(limits, "MAX_PART_BYTES", 1 << 20)  # incompressible 2 MiB part
    folder = client(root)
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / "calls.xlsx", "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/media/image1.bin", os.urandom(2 << 20))
    (folder / "calls.yaml").write_text(
        "kind: interactions\nfile: calls.xlsx\ncolumns: {interaction_id: Call ID}\n")
    with pytest.raises(DataValidationError, match=r"part 'xl/media/image1\.bin' inflates to "
                       r"2,097,152 bytes .* at most 1,048,576 bytes"):
        load_export(folder / "calls.yaml")


def test_non_native_encoding_is_read_through_a_transcoded_copy(root: Path) -> None:
    rows = [row(n, queue="Réclamations") for n in range(1, 4)]
    frame = load_export(export(client(root), rows, encoding="cp1252")).to_pandas()
    assert frame["queue"].tolist() == ["Réclamations"] * 3
    assert not [p for p in (root / "data" / "processed" / "clients" / "acme").iterdir()
                if p.suffix == ".csv"]


def test_parquet_export_goes_through_the_same_rules(root: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = client(root)
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"Call ID": ["c1", "c2"], "Date": ["05/02/2025", "05/02/2025"],
                             "Time": ["08:00:00", "08:01:00"], "Queue": ["B", "B"],
                             "Wait": ["0:00:10", "0:0x:00"], "Result": ["ANS", "ABN"]}),
                   folder / "calls.parquet")
    (folder / "calls.yaml").write_text(
        MAPPING.format(file="calls.parquet", encoding="utf-8").replace("header_offset: 1\n", ""),
        encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"calls\.parquet: row 2, column 'Wait'"):
        load_export(folder / "calls.yaml")


def test_a_glob_in_the_export_name_is_refused_not_expanded(root: Path) -> None:
    from analysis.errors import ConfigError

    folder = client(root)
    export(folder, [row(1)], name="calls-a.csv")
    (folder / "calls.yaml").write_text(MAPPING.format(file="calls-*.csv", encoding="utf-8"))
    (folder / "calls-*.csv").write_text("BANNER\n" + HEADER + "\n" + row(2) + "\n")
    with pytest.raises(ConfigError, match=r"must not contain any of \*"):
        load_export(folder / "calls.yaml")


def test_declared_utf16_on_a_utf8_export_is_one_line_not_a_traceback(root: Path) -> None:
    """UTF-16 without a byte-order mark raises UnicodeError (not a decode error) in Python."""
    mapping = export(client(root), [row(1)])
    mapping.write_text(mapping.read_text().replace("encoding: utf-8", "encoding: utf-16"))
    with pytest.raises(DataValidationError, match=r"calls\.csv: line 1: text is not valid utf-16"):
        load_export(mapping)


def test_lines_after_a_quoted_field_holding_line_breaks_are_still_physical(root: Path) -> None:
    """P6-A03: a quoted field with a line break made every later line one short. Two such
    fields (one with a blank line inside) and a blank line: each row keeps its own line."""
    rows = [row(n) for n in range(1, 301)]
    rows[47] = row(48, queue='"Bill\ning"')   # the field spans lines 50-51
    rows[99] = row(100, queue='"Sa\n\nles"')  # spans 3 lines, the middle one empty
    rows.insert(150, "")                         # a blank line between rows
    rows[200] = row(200, wait="soon")            # stays a bad value
    mapping = export(client(root), rows)
    with pytest.raises(DataValidationError) as err:
        load_export(mapping)
    # banner = line 1, header = line 2, rows[i] on line i + 3 before the extra lines:
    # +1 after row 48, +2 after row 100 (the blank line is a line of its own: no shift).
    assert "line 206, column 'Wait'" in str(err.value), str(err.value)
    rows[200] = row(200)
    frame = load_export(export(client(root), rows)).to_pandas(with_lines=True)
    lines = dict(zip(frame["interaction_id"], frame["source_line"], strict=True))
    assert (lines["c48"], lines["c49"], lines["c100"], lines["c101"], lines["c300"]) == \
        (50, 52, 103, 106, 306)


def test_lines_alternating_crlf_and_lf_are_named_not_read_as_no_rows(root: Path) -> None:
    """P7-A35: such a file parsed to 0 rows and validation said "must have a data row"."""
    mapping = export(client(root), [row(n) for n in range(1, 200)])
    source = mapping.parent / "calls.csv"
    lines = source.read_bytes().split(b"\n")[:-1]
    source.write_bytes(b"".join(line + (b"\r\n" if i % 2 else b"\n")
                                for i, line in enumerate(lines)))
    with pytest.raises(DataValidationError, match="line 2: the line endings are mixed"):
        load_export(mapping)
