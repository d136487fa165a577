"""Client export parsing: each messy format, mapping validation, error messages, the cache."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from pathlib import Path

import pandas as pd
import pytest

from analysis.data.client_exports import CANONICAL_SCHEMAS, load_export, read_mapping
from analysis.errors import ConfigError, DataValidationError


@pytest.fixture(autouse=True)
def _tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path / "root"))


CALLS_HEADER = "Call ID;Date;Time;Queue;Wait;Talk;Result;Resolved;CSAT"
CALLS_MAPPING = """\
kind: interactions
file: {file}
delimiter: ";"
header_offset: {offset}
missing: ["?", ""]
columns:
  interaction_id: Call ID
  arrived_at: {{source: [Date, Time], format: "%d/%m/%Y %H:%M:%S"}}
  queue: Queue
  wait_seconds: {{source: Wait, format: hms}}
  talk_seconds: {{source: Talk, format: hms}}
  outcome: {{source: Result, values: {{ANS: answered, ABN: abandoned}}}}
  resolved: Resolved
  csat: CSAT
constants: {{channel: voice, csat_scale: 5}}
"""


def write_export(folder: Path, rows: list[str], *, preamble: str = "", bom: bool = False,
                 name: str = "calls.csv", header: str = CALLS_HEADER,
                 mapping: str = CALLS_MAPPING) -> Path:
    """Write a semicolon export and its mapping; returns the mapping path."""
    folder.mkdir(parents=True, exist_ok=True)
    text = preamble + header + "\n" + "\n".join(rows) + "\n"
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    if name.endswith(".gz"):
        data = gzip.compress(data)
    (folder / name).write_bytes(data)
    offset = preamble.count("\n")
    path = folder / "mapping.yaml"
    path.write_text(mapping.format(file=name, offset=offset), encoding="utf-8")
    return path


GOOD_ROWS = [
    "c1;05/02/2025;08:01:10;Billing;0:00:12;0:04:00;ANS;1;5",
    "c2;05/02/2025;08:02:00;Billing;0:01:30;?;ABN;?;?",
    "c3;13/02/2025;09:00:00;Sales;0:00:03;?;ABN;?;?",
]


def test_semicolon_preamble_bom_hms_daymonth_and_missing(tmp_path: Path) -> None:
    mapping = write_export(tmp_path / "acme", GOOD_ROWS, preamble="ACD export v3\n", bom=True)
    table = load_export(mapping)
    frame = table.to_pandas()
    assert table.client == "acme" and table.rows == 3
    assert list(frame.columns) == CANONICAL_SCHEMAS["interactions"].names
    # 13/02 only parses day-first: the day/month order is honoured, not guessed.
    assert frame["arrived_at"].iloc[2] == pd.Timestamp("2025-02-13 09:00:00")
    assert frame["wait_seconds"].tolist() == [12.0, 90.0, 3.0]
    assert frame["handle_seconds"].iloc[0] == 240.0  # talk only → handle
    assert frame["answered_at"].iloc[0] == pd.Timestamp("2025-02-05 08:01:22")
    assert pd.isna(frame["answered_at"].iloc[1]) and pd.isna(frame["csat"].iloc[1])
    assert frame["ended_at"].iloc[1] == pd.Timestamp("2025-02-05 08:03:30")
    assert frame["resolved"].iloc[0] and pd.isna(frame["resolved"].iloc[1])
    assert str(frame["queue"].dtype) == "str"


def test_gzip_export_reads_like_plain(tmp_path: Path) -> None:
    plain = load_export(write_export(tmp_path / "a", GOOD_ROWS)).to_pandas()
    gz = load_export(write_export(tmp_path / "b", GOOD_ROWS, name="calls.csv.gz")).to_pandas()
    pd.testing.assert_frame_equal(plain, gz)


def test_bad_value_names_file_line_column_and_value(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, "", "c4;14/02/2025;09:00:00;Sales;3 sec;?;ABN;?;?"]
    mapping = write_export(tmp_path / "acme", rows, preamble="banner\n")
    with pytest.raises(DataValidationError) as err:
        load_export(mapping)
    message = str(err.value)
    # banner=1, header=2, rows 3-5, blank line 6, bad row on line 7.
    assert "calls.csv" in message and "line 7" in message
    assert "'3 sec'" in message and "Wait" in message and "wait_seconds" in message


def test_month_day_swap_is_rejected_not_guessed(tmp_path: Path) -> None:
    rows = ["c1;02/13/2025;08:01:10;Billing;0:00:12;0:04:00;ANS;1;5"]
    with pytest.raises(DataValidationError, match=r"line 2.*'02/13/2025 08:01:10'"):
        load_export(write_export(tmp_path / "acme", rows))


def test_unmapped_outcome_code_is_rejected(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, "c9;13/02/2025;09:00:00;Sales;0:00:03;?;XFER;?;?"]
    with pytest.raises(DataValidationError, match=r"line 5.*'XFER'.*mapped values"):
        load_export(write_export(tmp_path / "acme", rows))


def test_duplicate_ids_and_missing_required_values_are_rejected(tmp_path: Path) -> None:
    dup = [*GOOD_ROWS, GOOD_ROWS[0]]
    with pytest.raises(DataValidationError, match=r"line 5, column 'interaction_id'.*duplicate"):
        load_export(write_export(tmp_path / "a", dup))
    no_queue = ["c1;05/02/2025;08:01:10;?;0:00:12;0:04:00;ANS;1;5"]
    with pytest.raises(DataValidationError, match=r"line 2, column 'queue'.*missing"):
        load_export(write_export(tmp_path / "b", no_queue))


def test_csat_above_scale_is_rejected(tmp_path: Path) -> None:
    rows = ["c1;05/02/2025;08:01:10;Billing;0:00:12;0:04:00;ANS;1;7"]
    with pytest.raises(DataValidationError, match=r"line 2.*csat.*'7'"):
        load_export(write_export(tmp_path / "a", rows))


@pytest.mark.parametrize("text", ["nan", "NaN", "1e400", "-inf", "Infinity"])
def test_a_number_that_is_not_finite_is_refused_as_written(tmp_path: Path, text: str) -> None:
    """P7-A05/A34: CSAT 'nan' was "above the CSAT scale maximum" and '1e400' shown as 'inf'."""
    rows = [*GOOD_ROWS[:2], GOOD_ROWS[0].replace("c1;", "c9;").replace(";1;5", f";1;{text}")]
    path = write_export(tmp_path / "data" / "raw" / "clients" / "acme", rows)
    with pytest.raises(DataValidationError) as err:
        load_export(path)
    assert (f"line 4, column 'CSAT' (→ csat): value '{text}' is not a finite number (1 row(s) "
            "in all)") in str(err.value)


def test_an_infinite_whole_number_is_refused_not_a_conversion_error(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "raw" / "clients" / "acme"
    folder.mkdir(parents=True)
    (folder / "iv.csv").write_text("Start,Queue,Offered,Answered\n"
                                   "2025-02-05 08:00:00,Billing,10,9\n"
                                   "2025-02-05 08:30:00,Billing,inf,9\n")
    (folder / "iv.yaml").write_text(
        "kind: interval_aggregates\nfile: iv.csv\ncolumns: {interval_start: Start, queue: "
        "Queue, offered: Offered, answered: Answered}\nconstants: {channel: voice, "
        "interval_minutes: 30}\n")
    with pytest.raises(DataValidationError, match=r"line 3, column 'Offered' \(→ offered\): "
                       r"value 'inf' is not a finite number"):
        load_export(folder / "iv.yaml")


def test_mapped_column_missing_from_header_is_named(tmp_path: Path) -> None:
    header = CALLS_HEADER.replace("Queue", "Split")
    rows = ["c1;05/02/2025;08:01:10;Billing;0:00:12;0:04:00;ANS;1;5"]
    with pytest.raises(DataValidationError, match=r"\['Queue'\].*'queue'.*Split"):
        load_export(write_export(tmp_path / "a", rows, header=header))


def test_unknown_mapping_key_names_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("kind: interactions\nfile: x.csv\ndelimeter: ';'\ncolumns: {}\n")
    with pytest.raises(ConfigError, match=r"m\.yaml.*unknown key 'delimeter'"):
        read_mapping(path)
    path.write_text("kind: interactions\nfile: x.csv\ncolumns: {queue: {source: Q, fmt: x}}\n")
    with pytest.raises(ConfigError, match=r"unknown key 'columns\.queue\.ColumnSpec\.fmt'|fmt"):
        read_mapping(path)
    path.write_text("kind: interactions\nfile: x.csv\ncolumns: {queu: Q}\n")
    with pytest.raises(ConfigError, match=r"m\.yaml.*unknown canonical column 'queu'"):
        read_mapping(path)



_CONSTANT_MAPPING = "kind: {kind}\nfile: x.csv\ncolumns: {{}}\nconstants: {{{name}: {value}}}\n"


MAPPING_IN_ITS_OWN_WORDS = [
    # P5-M13: an unknown constant is named where it is written, not as the top level
    ("columns: {}\nconstants: {channel: voice, answer_bonus: 3}",
     "key 'constants.answer_bonus': unknown canonical column 'answer_bonus'", "(top level)"),
    ("columns: {queu: Q}", "key 'columns.queu': unknown canonical column 'queu'", "(top level)"),
    # P5-M16: no pydantic union member (str, ColumnSpec) in the key, the value said plainly
    ("columns: {csat: {source: CSAT, values: {'5': 5, '4': 4}}}",
     "key 'columns.csat.values.5': 5 must be text: put it in quotes ('5')", "ColumnSpec"),
    ("columns: {csat: 5}",
     "key 'columns.csat': 5 must be text or a block such as {source: ...}", "ColumnSpec"),
    ("columns: {arrived_at: {source: [Date, 3]}}",
     "key 'columns.arrived_at.source.1': 3 must be text", "list[str]"),
    # P9-M11: a yes/no value for a number is refused, never read as 1 or 0
    ("header_offset: true\ncolumns: {}",
     "key 'header_offset': true is a yes/no value, not a number", "bool"),
    ("sheet: false\ncolumns: {}", "key 'sheet': false is a yes/no value, not a number", "bool"),
]


@pytest.mark.parametrize(("body", "says", "never"), MAPPING_IN_ITS_OWN_WORDS)
def test_a_mapping_error_is_said_in_the_mappings_own_words(
        tmp_path: Path, body: str, says: str, never: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(f"kind: interactions\nfile: x.csv\n{body}\n")
    with pytest.raises(ConfigError) as err:
        read_mapping(path)
    message = str(err.value)
    assert says in message and never not in message and ".str" not in message, message


_SETTINGS_MAPPING = """\
kind: interactions
file: x.csv
delimiter: ";"
missing: ["?", ""]
columns:
  arrived_at: {source: [Date, Time], format: "%d/%m/%Y %H:%M:%S"}
  wait_seconds: {source: Wait, format: hms}
  resolved: {source: FCR, true_values: ["Y"], false_values: ["N"]}
  outcome: {source: Result, values: {ANS: answered, ABN: abandoned}}
"""

MAPPING_SETTINGS_REFUSED = [
    # P7-M02, P7-M03: codecs Python knows that are not text encodings were accepted
    ("encoding: rot13", "key 'encoding': 'rot13' is a codec that transforms data"),
    ("encoding: base64", "key 'encoding': 'base64' is a codec that transforms data"),
    ("encoding: hex", "key 'encoding': 'hex' is a codec that transforms data"),
    ("encoding: klingon", "key 'encoding': 'klingon' is not an encoding this project knows"),
    # text encodings whose bytes are not ASCII's: the file cannot be split at its line ends
    ("encoding: unicode_escape", "key 'encoding': 'unicode_escape' (unicode-escape) does not"),
    ("encoding: utf-7", "key 'encoding': 'utf-7' (utf-7) does not write plain ASCII"),
    ("encoding: cp037", "key 'encoding': 'cp037' (cp037) does not write plain ASCII"),
    # P7-M05, P7-M06 and every other pair of marks that must differ
    ("decimal: ';'", "keys 'delimiter' and 'decimal': both are ';'"),
    ("decimal: ','\nthousands: ','", "keys 'decimal' and 'thousands': both are ','"),
    ("thousands: '.'", "keys 'decimal' and 'thousands': both are '.'"),
    ("thousands: ';'", "keys 'delimiter' and 'thousands': both are ';'"),
    ("@delimiter: \";\"@delimiter: '\"'",
     "keys 'delimiter' and 'quote character (always '\"')': both are '\"'"),
    ("decimal: ''", "key 'decimal': '' must be one character that is not a digit"),
    ("thousands: '0'", "key 'thousands': '0' must be one character that is not a digit"),
    # P7-M08: a word that means yes and no; a marker that hides a word or a mapped code
    ("@false_values: [\"N\"]@false_values: [\"y \", \"N\"]",
     "keys 'columns.resolved.true_values' and 'columns.resolved.false_values': 'y ' is in both"),
    ("@missing: [\"?\", \"\"]@missing: [\"?\", \"\", \"n\"]",
     "keys 'missing' and 'columns.resolved.false_values': 'n' is in both"),
    ("@missing: [\"?\", \"\"]@missing: [\"?\", \" ABN\"]",
     "keys 'missing' and 'columns.outcome.values': ' ABN' is in both"),
    # P7-M10: formats checked against the parse's own strftime when the mapping is read
    ("@%H:%M:%S@%H:%M:%S %Q",
     "key 'columns.arrived_at.format': '%d/%m/%Y %H:%M:%S %Q' is not a strftime pattern the "
     "parse reads (Unrecognized format for strftime/strptime: %Q)"),
    ("@%d/%m/%Y %H:%M:%S@dd/mm/yyyy hh:mm",
     "key 'columns.arrived_at.format': 'dd/mm/yyyy hh:mm' is neither a named format"),
    ("@%H:%M:%S\"@%H:%M:%S%\"", "key 'columns.arrived_at.format': '%d/%m/%Y %H:%M:%S%' is "
     "not a strftime pattern the parse reads (Trailing format character %)"),
    ("@format: hms@format: hsm",
     "key 'columns.wait_seconds.format': 'hsm' does not apply to a float column"),
    # P9-M07: a timestamp pattern names a date (year, month or day), not only a time or '%'
    ("@%d/%m/%Y %H:%M:%S@%%", "key 'columns.arrived_at.format': '%%' is neither a named "
     "format (iso, yymmdd, yyyymmdd) nor a strftime pattern with a date directive"),
    ("@%d/%m/%Y %H:%M:%S@%H:%M:%S", "key 'columns.arrived_at.format': '%H:%M:%S' is neither"),
    ("@%d/%m/%Y %H:%M:%S@%%Y-%%m", "key 'columns.arrived_at.format': '%%Y-%%m' is neither"),
]


@pytest.mark.parametrize(("edit", "says"), MAPPING_SETTINGS_REFUSED)
def test_a_mapping_setting_that_cannot_be_read_is_refused_at_load_by_key(
        tmp_path: Path, edit: str, says: str) -> None:
    """Found when the mapping is read (before any export is opened), one line naming the
    key(s) and the value; an edit is a line added, or '@old@new' replaced."""
    if edit.startswith("@"):
        _, old, new = edit.split("@")
        assert old in _SETTINGS_MAPPING
        text = _SETTINGS_MAPPING.replace(old, new, 1)
    else:
        text = _SETTINGS_MAPPING + edit + "\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        read_mapping(path)
    message = str(err.value)
    assert message.startswith(f"{path}: invalid mapping: ") and says in message, message
    assert "\n" not in message


@pytest.mark.parametrize("edit", [
    "encoding: cp1252", "encoding: UTF8", "encoding: utf-16-le", "encoding: utf-8-sig",
    "encoding: shift_jis", "decimal: ','\nthousands: '.'",
    "@delimiter: \";\"@delimiter: '\\t'\ndecimal: ','",
    "@%d/%m/%Y %H:%M:%S@%-d.%-m.%Y %I:%M:%S %p", "@%d/%m/%Y %H:%M:%S@yyyymmdd"])
def test_the_settings_real_exports_use_still_load(tmp_path: Path, edit: str) -> None:
    if edit.startswith("@"):
        _, old, new = edit.split("@")
        text = _SETTINGS_MAPPING.replace(old, new, 1)
    else:
        text = _SETTINGS_MAPPING + edit + "\n"
    path = tmp_path / "m.yaml"
    path.write_text(text)
    read_mapping(path)


def test_a_utf16le_export_without_a_bom_is_read_whole_not_split_at_byte_0x0a(
        tmp_path: Path) -> None:
    """UTF-16LE writes a line end as 0A 00: split into byte lines, every line after the first
    began with a NUL (the transcode was line by line for every encoding)."""
    folder = tmp_path / "root" / "data" / "raw" / "clients" / "acme"
    path = write_export(folder, GOOD_ROWS, mapping=CALLS_MAPPING + "encoding: utf-16-le\n")
    export = folder / "calls.csv"
    export.write_bytes(export.read_bytes().decode("utf-8").encode("utf-16-le"))
    frame = load_export(path).to_pandas()
    assert frame["interaction_id"].tolist() == ["c1", "c2", "c3"]


@pytest.mark.parametrize(("encoding", "declared", "says"), [
    ("utf-16-le", "", "looks like UTF-16 (little-endian) text (a NUL byte beside every "
     "character), not utf-8 as the mapping reads it: set 'encoding: utf-16-le' in the mapping, "
     "or save the export as UTF-8"),
    ("utf-16-be", "encoding: utf-8\n", "looks like UTF-16 (big-endian) text"),
    ("utf-16-be", "encoding: latin-1\n", "not latin-1 as the mapping reads it: set 'encoding: "
     "utf-16-be'"),
    ("utf-16", "", "UTF-16 (little-endian, with a byte-order mark) text"),
    ("utf-32-le", "encoding: cp1252\n", "set 'encoding: utf-32-le'"),
])
def test_wide_text_read_as_an_8bit_encoding_is_named_not_blamed_on_the_mapping(
        tmp_path: Path, encoding: str, declared: str, says: str) -> None:
    """P7-A17: a UTF-16 export declared utf-8 was "the mapping cannot be used: a NUL character
    cannot appear in a mapping value" (its header's NULs reached the SQL quoting)."""
    folder = tmp_path / "root" / "data" / "raw" / "clients" / "acme"
    path = write_export(folder, GOOD_ROWS, preamble="EXPORTED 2025-02-14\n",
                        mapping=CALLS_MAPPING + declared)
    export = folder / "calls.csv"
    export.write_bytes(export.read_bytes().decode("utf-8").encode(encoding))
    with pytest.raises(DataValidationError) as error:
        load_export(path)
    message = str(error.value)
    assert message.startswith(f"{export}: line 1: the export looks like "), message
    assert says in message and "\n" not in message, message


@pytest.mark.parametrize("header_offset", [0, 1])
def test_a_nul_byte_in_the_header_is_the_exports_fault_named_by_line_and_column(
        tmp_path: Path, header_offset: int) -> None:
    """Not UTF-16 shaped: one NUL in a UTF-8 header was blamed on the mapping's values."""
    folder = tmp_path / "root" / "data" / "raw" / "clients" / "acme"
    path = write_export(folder, GOOD_ROWS, preamble="EXPORTED\n" * header_offset,
                        header=CALLS_HEADER.replace("Queue", "Qu\x00eue"))
    with pytest.raises(DataValidationError, match=(
            rf"calls.csv: line {header_offset + 1}: column 4 of the header holds a NUL byte "
            r"\(U\+0000 at character 3\)")):
        load_export(path)


@pytest.mark.parametrize("name", ["calls.csv", "calls.csv.gz"])
@pytest.mark.parametrize("header_offset", [0, 1])
def test_an_export_whose_lines_end_with_cr_alone_says_so(
        tmp_path: Path, name: str, header_offset: int) -> None:
    """P7-A14: old-Mac line ends were "ends at line 1, before the header on line 2"."""
    folder = tmp_path / "root" / "data" / "raw" / "clients" / "acme"
    path = write_export(folder, GOOD_ROWS, preamble="EXPORTED\n" * header_offset, name=name)
    export = folder / name
    text = export.read_bytes()
    text = gzip.decompress(text) if name.endswith(".gz") else text
    cr_only = text.replace(b"\n", b"\r")
    export.write_bytes(gzip.compress(cr_only) if name.endswith(".gz") else cr_only)
    with pytest.raises(DataValidationError) as error:
        load_export(path)
    assert str(error.value) == (
        f"{export}: line 1: the file's lines end with a carriage return only (CR, old Mac "
        "style), not LF or CRLF: save it with LF or CRLF line ends")


def test_a_cr_alone_inside_an_unquoted_header_name_is_named_not_a_csv_traceback(
        tmp_path: Path) -> None:
    folder = tmp_path / "root" / "data" / "raw" / "clients" / "acme"
    path = write_export(folder, GOOD_ROWS, preamble="EXPORTED\n",
                        header=CALLS_HEADER.replace("Queue", "Qu\reue"))
    with pytest.raises(DataValidationError, match=r"calls.csv: line 2: a carriage return \(CR\) "
                       "that is not followed by a line feed"):
        load_export(path)


@pytest.mark.parametrize(("kind", "name", "value", "rule"), [
    # P4-M08: a non-finite scale became a silent NULL (exit 0, only a WARNING per row)
    ("interactions", "csat_scale", ".inf", "finite"),
    ("interactions", "csat_scale", "-.inf", "finite"),
    ("interactions", "csat_scale", ".nan", "finite"),
    ("interactions", "csat_scale", "1e999", "finite"),  # YAML text that overflows to inf
    ("interactions", "csat_scale", "nan", "finite"),
    ("interactions", "csat_scale", "inf", "finite"),
    ("interactions", "csat_scale", "five", "number"),
    ("interactions", "csat_scale", "4.5", "whole_number"),
    ("interactions", "csat_scale", "1", "minimum"),
    ("interactions", "csat_scale", "1000", "maximum"),
    ("interactions", "csat_scale", "[5]", "number"),
    ("interactions", "csat_scale", "'10'", "number"),  # P5-M12: text, not a number
    ("interactions", "csat_scale", '"5"', "number"),
    ("interactions", "csat_scale", "1e1", "number"),  # YAML reads it as text
    ("interactions", "channel", "phone", "allowed_values"),
    ("interactions", "queue", '"a\\u202eb"', "no_control_characters"),
    ("interactions", "resolved", "maybe", "boolean"),
    ("interactions", "wait_seconds", "-1", "minimum"),
    ("interactions", "arrived_at", "yesterday", "timestamp"),
    ("interval_aggregates", "interval_minutes", ".inf", "finite"),
    ("interval_aggregates", "sl_threshold_seconds", "20.5", "whole_number"),
    ("interval_aggregates", "service_level_pct", ".nan", "finite"),
    ("ticket_events", "sla_met", "2", "boolean"),
])
def test_a_mapping_constant_that_does_not_convert_is_refused_by_key(
        tmp_path: Path, kind: str, name: str, value: str, rule: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(_CONSTANT_MAPPING.format(kind=kind, name=name, value=value))
    with pytest.raises(ConfigError) as err:
        read_mapping(path)
    message = str(err.value)
    assert str(path) in message
    assert f"key 'constants.{name}'" in message
    assert f"[{rule}]" in message
    assert "\n" not in message


@pytest.mark.parametrize(("kind", "name", "value", "expected"), [
    ("interactions", "csat_scale", "5", 5),
    ("interactions", "csat_scale", "100.0", 100),
    ("interactions", "channel", "' chat '", "chat"),
    ("interactions", "resolved", "'yes'", True),
    ("interactions", "arrived_at", "2025-01-06", dt.datetime(2025, 1, 6)),
    ("interval_aggregates", "interval_minutes", "30", 30),
    ("interval_aggregates", "service_level_pct", "80.5", 80.5),
    ("interactions", "csat_scale", "null", None),
])
def test_a_mapping_constant_is_converted_with_its_column_type(
        tmp_path: Path, kind: str, name: str, value: str, expected: object) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(_CONSTANT_MAPPING.format(kind=kind, name=name, value=value))
    converted = read_mapping(path).constants[name]
    assert converted == expected and type(converted) is type(expected)


INTERVAL_MAPPING = """\
kind: interval_aggregates
file: {file}
header_offset: {offset}
delimiter: ";"
missing: ["?"]
decimal: ","
columns:
  interval_start: {{source: Day, format: yymmdd}}
  queue: Queue
  offered: Offered
  answered: Answered
  service_level_pct: {{source: SL, format: percent}}
  asa_seconds: {{source: ASA, format: seconds}}
  aht_seconds: {{source: AHT, format: day_fraction}}
constants: {{channel: voice, interval_minutes: 1440}}
"""


def test_percent_text_yymmdd_ints_decimal_comma_and_day_fractions(tmp_path: Path) -> None:
    rows = ["250105;Billing;100;90;85%;12,5;0,0035", "50105;Sales;10;9;\"85,0 %\";?;0,5"]
    mapping = write_export(tmp_path / "a", rows, header="Day;Queue;Offered;Answered;SL;ASA;AHT",
                           mapping=INTERVAL_MAPPING)
    frame = load_export(mapping).to_pandas()
    assert frame["service_level_pct"].tolist() == [85.0, 85.0]
    # An integer YYMMDD loses its leading zero (050105 → 50105) and is padded back.
    assert frame["interval_start"].tolist() == [pd.Timestamp("2025-01-05"),
                                                pd.Timestamp("2005-01-05")]
    assert frame["asa_seconds"].iloc[0] == 12.5 and pd.isna(frame["asa_seconds"].iloc[1])
    assert frame["aht_seconds"].tolist() == pytest.approx([302.4, 43200.0])
    assert frame["offered"].dtype == "Int64"


def test_bad_percent_text_is_rejected(tmp_path: Path) -> None:
    rows = ["250105;Billing;100;90;eighty;12;0,01"]
    mapping = write_export(tmp_path / "a", rows, header="Day;Queue;Offered;Answered;SL;ASA;AHT",
                           mapping=INTERVAL_MAPPING)
    with pytest.raises(DataValidationError, match=r"line 2.*'eighty'.*percentage"):
        load_export(mapping)


def test_excel_workbook_with_preamble_and_native_cells(tmp_path: Path) -> None:
    import openpyxl

    folder = tmp_path / "xl"
    folder.mkdir()
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Calls")
    sheet.append(["Report generated 2025-03-01"])
    sheet.append(["Call ID", "Arrived", "Queue", "Wait", "Handle", "Outcome"])
    sheet.append(["c1", dt.datetime(2025, 3, 1, 8, 0, 5), "Billing", 12, 0.0025, "A"])
    sheet.append(["c2", dt.datetime(2025, 3, 1, 8, 1, 0), "Billing", 40, None, "X"])
    book.save(folder / "calls.xlsx")
    (folder / "m.yaml").write_text(
        "kind: interactions\nfile: calls.xlsx\nsheet: Calls\nheader_offset: 1\n"
        "columns:\n  interaction_id: Call ID\n  arrived_at: Arrived\n  queue: Queue\n"
        "  wait_seconds: Wait\n  handle_seconds: {source: Handle, format: day_fraction}\n"
        "  outcome: {source: Outcome, values: {A: answered, X: abandoned}}\n"
        "constants: {channel: voice}\n"
    )
    frame = load_export(folder / "m.yaml").to_pandas()
    assert frame["arrived_at"].iloc[0] == pd.Timestamp("2025-03-01 08:00:05")
    assert frame["handle_seconds"].iloc[0] == pytest.approx(216.0)
    assert frame["outcome"].tolist() == ["answered", "abandoned"]
    sheet["D4"] = "n/a"
    book.save(folder / "calls.xlsx")
    with pytest.raises(DataValidationError, match=r"calls\.xlsx: line 4.*'n/a'"):
        load_export(folder / "m.yaml")


TICKET_MAPPING = """\
kind: ticket_events
file: {file}
header_offset: {offset}
delimiter: ","
columns:
  ticket_id: Ticket
  event_at: {{source: [Date, Time], format: "%y%m%d %H:%M"}}
  event: {{source: Event, values: {{NEW: created, SOLVED: resolved}}}}
  sla_met: {{source: SLA, true_values: ["yes"], false_values: ["no"]}}
"""


def test_ticket_events_with_bom_and_combined_yymmdd_time(tmp_path: Path) -> None:
    rows = ["T1,250106,07:21,NEW,", "T1,250107,02:15,SOLVED,yes"]
    mapping = write_export(tmp_path / "t", rows, bom=True, header="Ticket,Date,Time,Event,SLA",
                           mapping=TICKET_MAPPING)
    frame = load_export(mapping).to_pandas()
    assert frame["ticket_id"].tolist() == ["T1", "T1"]  # BOM stripped from the first header
    assert frame["event_at"].iloc[1] == pd.Timestamp("2025-01-07 02:15")
    assert pd.isna(frame["sla_met"].iloc[0]) and frame["sla_met"].iloc[1]


def test_cache_is_keyed_on_content(tmp_path: Path) -> None:
    mapping = write_export(tmp_path / "acme", GOOD_ROWS)
    first = load_export(mapping)
    again = load_export(mapping)
    assert first.path == again.path and first.path.is_relative_to(tmp_path / "root")
    write_export(tmp_path / "acme", GOOD_ROWS[:2])
    changed = load_export(mapping)
    assert changed.path != first.path and changed.rows == 2


FILTERED_MAPPING = CALLS_MAPPING.replace(
    "constants:",
    "exclude:\n"
    "  - {{column: Result, values: [PHANTOM], reason: phantom calls}}\n"
    "  - {{column: Queue, values: [QA Test, Internal]}}\n"
    "constants:",
)


def test_row_filters_leave_rows_out_and_count_them_per_rule(tmp_path: Path) -> None:
    rows = [
        *GOOD_ROWS,
        # A phantom call may carry anything: it is neither parsed nor judged.
        "c4;05/02/2025;08:09:00;Billing;never;?;PHANTOM;?;?",
        "c5;05/02/2025;08:10:00;Billing;0:00:01;?;PHANTOM;?;?",
        "c6;05/02/2025;08:11:00; QA Test ;0:00:01;0:01:00;ANS;1;5",
        "c1;05/02/2025;08:12:00;Internal;0:00:01;0:01:00;ANS;1;5",  # excluded: not a duplicate
    ]
    table = load_export(write_export(tmp_path / "acme", rows, mapping=FILTERED_MAPPING))
    frame = table.to_pandas(with_lines=True)
    assert frame["interaction_id"].tolist() == ["c1", "c2", "c3"] and table.rows == 3
    assert frame["source_line"].tolist() == [2, 3, 4]
    assert table.excluded == {"phantom calls": 2, "Queue is QA Test, Internal": 2}
    # The counts survive the cache.
    assert load_export(table.source_file.parent / "mapping.yaml").excluded == table.excluded


def test_a_code_neither_mapped_nor_excluded_is_still_an_error(tmp_path: Path) -> None:
    rows = [*GOOD_ROWS, "c9;13/02/2025;09:00:00;Sales;0:00:03;?;XFER;?;?"]
    mapping = write_export(tmp_path / "acme", rows, mapping=FILTERED_MAPPING)
    with pytest.raises(DataValidationError, match=r"calls\.csv: line 5, column 'Result' "
                       r"\(→ outcome\): value 'XFER' is not one of the mapped values"):
        load_export(mapping)


def test_an_exclusion_rule_on_a_column_the_export_lacks_is_named(tmp_path: Path) -> None:
    mapping = write_export(tmp_path / "acme", GOOD_ROWS,
                           mapping=FILTERED_MAPPING.replace("column: Queue", "column: Split"))
    with pytest.raises(DataValidationError, match=r"exclude rule column 'Split' not in the "
                       r"header"):
        load_export(mapping)


def test_duplicate_far_apart_is_found_with_its_second_line_and_count(tmp_path: Path) -> None:
    rows = [f"c{n};05/02/2025;08:01:10;Billing;0:00:12;0:04:00;ANS;1;5" for n in range(1, 3001)]
    rows[2500] = rows[3].replace("08:01:10", "09:00:00")  # c4 again, 2,497 lines later
    rows[2900] = rows[3]
    with pytest.raises(DataValidationError, match=r"line 2502, column 'interaction_id': value "
                       r"'c4' is a duplicate id \(2 row\(s\) in all\)"):
        load_export(write_export(tmp_path / "a", rows))


def test_a_corrupt_cached_table_is_rebuilt_not_read(tmp_path: Path) -> None:
    mapping = write_export(tmp_path / "acme", GOOD_ROWS)
    first = load_export(mapping)
    first.path.write_bytes(b"PAR1 not parquet any more PAR1")
    again = load_export(mapping)
    assert again.path == first.path and again.rows == 3
    assert again.to_pandas()["interaction_id"].tolist() == ["c1", "c2", "c3"]


def test_an_exports_key_follows_every_byte_of_every_segment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The export's hash is taken in segments on every core and reused while the file is
    unchanged: a byte changed in any segment (same size, rewritten in place) changes the key."""
    from analysis.data.client_exports import loader

    monkeypatch.setattr(loader, "_SEGMENT", 8)  # 8-byte segments: the 40-byte file has five
    monkeypatch.setattr(loader, "_EXPORT_DIGESTS", {})
    source, mapping = tmp_path / "calls.csv", tmp_path / "m.yaml"
    mapping.write_text("kind: interactions\n", encoding="utf-8")
    text = bytearray(b"0123456789abcdefghijklmnopqrstuvwxyzABCD")
    source.write_bytes(text)
    keys = {loader.content_key(source, mapping)}
    assert loader.content_key(source, mapping) in keys  # reused while unchanged
    for n, at in enumerate((0, 9, 17, 39)):  # first, second, third and last segment
        text[at] ^= 1
        with open(source, "r+b") as handle:  # in place: same inode, same size
            handle.write(text)
        # Distinct times, as edits seconds apart have (the clock a file system stamps with
        # can stand still for a few milliseconds, far less than between two real edits).
        stamp = 1_700_000_000_000_000_000 + n * 1_000_000_000
        os.utime(source, ns=(stamp, stamp))
        keys.add(loader.content_key(source, mapping))
    assert len(keys) == 5
    mapping.write_text("kind: interactions\nclient: x\n", encoding="utf-8")
    assert loader.content_key(source, mapping) not in keys


@pytest.mark.parametrize("name", ["'calls.csv '", "' calls.csv'", "'  calls.csv  '"])
def test_an_export_name_with_an_invisible_space_at_either_end_is_refused(
        tmp_path: Path, name: str) -> None:
    """P5-M08: 'calls.csv ' was "not found" next to a visible calls.csv; now it is named."""
    path = tmp_path / "m.yaml"
    path.write_text(f"kind: interactions\nfile: {name}\ndelimiter: '\\t'\ncolumns: {{}}\n")
    with pytest.raises(ConfigError) as err:
        read_mapping(path)
    message = str(err.value)
    assert "key 'file': " in message and "starts or ends with a space" in message, message
    assert "write 'calls.csv'" in message and "Value error" not in message


def _demo_interactions_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo interactions export and its mapping copied to a folder of their own; returns
    the mapping (``BPO_ROOT`` set to an empty project beside it)."""
    monkeypatch.setenv("BPO_ROOT", str(tmp_path / "root"))
    demo = Path(__file__).resolve().parents[2] / "data" / "raw" / "clients" / "demo"
    folder = tmp_path / "client"
    folder.mkdir()
    for name in ("interactions.yaml", "EXAMPLE_synthetic_interactions.csv.gz"):
        (folder / name).write_bytes((demo / name).read_bytes())
    return folder / "interactions.yaml"


def test_a_report_kernel_reads_only_exports_this_run_validated(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """P6-F14: an export edited after the validation gate was parsed again, unvalidated, by the
    report's kernel (a year-1 date cut the published FTE by 4x). With the flag a build gives
    its kernels, a table the gate did not make is refused."""
    mapping = _demo_interactions_copy(tmp_path, monkeypatch)
    rows = load_export(mapping).rows  # the gate's parse
    monkeypatch.setenv("BPO_VALIDATED_EXPORTS_ONLY", "1")
    assert load_export(mapping).rows == rows  # what the gate validated is read as is
    export = mapping.parent / "EXAMPLE_synthetic_interactions.csv.gz"
    export.write_bytes(export.read_bytes() + gzip.compress(b""))  # changed after the gate
    with pytest.raises(DataValidationError, match="changed after this run validated it") as got:
        load_export(mapping)
    assert str(got.value).startswith(f"{export}: changed"), got.value


def test_a_mapping_edited_after_the_gate_is_named_not_its_export(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """P8-X05: csat_scale 5 -> 10 in the mapping after the gate was reported as
    'calls.csv: changed after this run validated it': the mapping is named."""
    mapping = _demo_interactions_copy(tmp_path, monkeypatch)
    load_export(mapping)  # the gate's parse
    monkeypatch.setenv("BPO_VALIDATED_EXPORTS_ONLY", "1")
    mapping.write_text(mapping.read_text().replace("csat_scale: 5", "csat_scale: 10"))
    with pytest.raises(DataValidationError) as got:
        load_export(mapping)
    assert str(got.value).startswith(
        f"{mapping} (the mapping of EXAMPLE_synthetic_interactions.csv.gz): changed after this "
        "run validated it"), got.value
