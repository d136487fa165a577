"""RFP responses: the example reads, is labelled and regenerates byte for byte; bad files stop
with the file, line, column and rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis import paths
from analysis.data import rfp_example
from analysis.data.rfp import read_rfp
from analysis.errors import DataValidationError

EXAMPLE = paths.raw_dir() / "clients" / "example-client" / "rfp"


def test_example_rfp_is_committed_as_generated_and_labelled() -> None:
    for name, text in rfp_example.build().items():
        assert (EXAMPLE / name).read_text(encoding="utf-8") == text, name
    assert rfp_example.build() == rfp_example.build()
    loaded = read_rfp(EXAMPLE)
    assert loaded.is_example and len(loaded.vendors) == 5
    assert all("(example)" in vendor for vendor in loaded.vendors)
    assert loaded.responses["evidence"].str.contains("EXAMPLE DATA").all()
    assert set(loaded.score_criteria) == {"service_quality", "operating_model", "workforce",
                                          "technology", "transition"}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rfp"
    shutil.copytree(EXAMPLE, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _set_service_quality(copy: Path, value: str) -> tuple[Path, int]:
    """Write ``value`` as the first service_quality score; return the file and its line."""
    responses = copy / "EXAMPLE_responses.csv"
    lines = responses.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if ",service_quality," in line)
    vendor, criterion, _value, evidence = lines[number - 1].split(",", 3)
    lines[number - 1] = ",".join([vendor, criterion, value, evidence])
    responses.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return responses, number


def test_a_score_outside_the_scale_names_file_line_column_and_rule(copy: Path) -> None:
    responses, number = _set_service_quality(copy, "7")
    with pytest.raises(DataValidationError) as caught:
        read_rfp(copy)
    message = str(caught.value)
    assert message.startswith(f"{responses}: line {number}, column 'value': score 7")
    assert "outside the stated scale 1-5 (rule: scale)" in message


def test_a_score_just_outside_the_scale_is_shown_as_written(copy: Path) -> None:
    """P7-E04: 5.0000001 was shown as "score 5 ... outside the stated scale 1-5"."""
    responses, number = _set_service_quality(copy, "5.0000001")
    with pytest.raises(DataValidationError) as caught:
        read_rfp(copy)
    assert "column 'value': score 5.0000001 for 'service_quality' is outside the stated scale " \
        "1-5 (rule: scale)" in str(caught.value)


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("EXAMPLE_responses.csv", ",technology,", ",technologie,",
     "column 'criterion': criterion 'technologie' is not in the criteria file "
     "(rule: known_criterion)"),
    ("EXAMPLE_rate_cards.csv", ",0.7,", ",0.6,",
     "shares sum to 0.9, not 1 (rule: shares_sum_to_1)"),
    ("EXAMPLE_rate_cards.csv", ",13.37,", ",-1,", "must be above 0 (rule: positive)"),
    ("EXAMPLE_criteria.csv", ",score,1,5,", ",score,5,1,", "scale 5-1 is empty (rule: scale)"),
    # P7-E04: a value is shown as written, never rounded into agreeing with its bound
    ("EXAMPLE_criteria.csv", ",score,1,5,", ",score,5.0000001,5,", "scale 5.0000001-5 is empty"),
    ("EXAMPLE_rate_cards.csv", ",0.7,", ",0.70001,", "shares sum to 1.00001, not 1"),
    ("EXAMPLE_rate_cards.csv", ",0.7,", ",1.00000001,", "share 1.00000001 must be between 0"),
    ("EXAMPLE_criteria.csv", ",yes_no,", ",boolean,", "kind 'boolean' is not one of"),
    ("EXAMPLE_responses.csv", "pci_dss,no,", "pci_dss,maybe,", "must be yes or no (rule: yes_no)"),
    # P6-E04: an escape sequence in evidence text was published raw in the HTML.
    ("EXAMPLE_responses.csv", 'pci_dss,no,"EXAMPLE', 'pci_dss,no,"\x1b[2JEXAMPLE',
     "U+001B at character 1 (rule: no_control_characters)"),
])
def test_bad_rfp_files_are_refused(copy: Path, file: str, old: str, new: str,
                                   expected: str) -> None:
    edit(copy / file, old, new)
    with pytest.raises(DataValidationError, match=None) as caught:
        read_rfp(copy)
    assert str(caught.value).startswith(str(copy / file))
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_an_rfp_file_saved_as_utf16_says_to_save_it_as_utf8(copy: Path) -> None:
    """P6-E07: the message was the codec's own "can't decode byte 0xff"."""
    rates = copy / "EXAMPLE_rate_cards.csv"
    rates.write_bytes(rates.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(DataValidationError, match="not UTF-8 text .* save it as 'CSV UTF-8'"):
        read_rfp(copy)


def test_a_missing_table_is_named(copy: Path) -> None:
    (copy / "EXAMPLE_rate_cards.csv").unlink()
    with pytest.raises(DataValidationError, match=r"expected one \*rate_cards.csv, found 0"):
        read_rfp(copy)


def test_validation_checks_rfp_folders_and_skips_them_as_exports(tmp_path: Path) -> None:
    """An RFP-only client folder is no operations export; a bad RFP is a critical finding."""
    from analysis.data.validation import validate_clients

    raw = tmp_path / "raw"
    folder = raw / "clients" / "example-client" / "rfp"
    shutil.copytree(EXAMPLE, folder)
    good = validate_clients(raw_dir=raw, out_dir=tmp_path / "ok")
    assert good.success, [f.line for f in good.findings]
    # bpo report names the client folders its reports read: the RFP-only one is still no export
    given = validate_clients(raw_dir=raw, out_dir=tmp_path / "given", clients=["example-client"])
    assert given.success, [f.line for f in given.findings]
    edit(folder / "EXAMPLE_rate_cards.csv", ",0.7,", ",0.5,")
    bad = validate_clients(raw_dir=raw, out_dir=tmp_path / "bad")
    assert not bad.success
    (finding,) = bad.findings
    assert finding.rule == "rfp_responses"
    assert "EXAMPLE_rate_cards.csv" in finding.line and "shares_sum_to_1" in finding.line


def test_an_rfp_file_symlinked_out_of_its_folder_is_refused(copy: Path, tmp_path: Path) -> None:
    """P4-V09: the criteria file linked to a file outside the folder is never read."""
    outside = tmp_path / "outside.csv"
    outside.write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    criteria = next(copy.glob("*criteria.csv"))
    criteria.unlink()
    criteria.symlink_to(outside)
    with pytest.raises(DataValidationError, match="criteria file") as caught:
        read_rfp(copy)
    assert "SECRET-LINE" not in str(caught.value)
