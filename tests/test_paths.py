"""paths.contained: the one containment rule, and whole-string ids."""

from __future__ import annotations

import pytest

from analysis.errors import ConfigError, DataValidationError, UnsafeInputError
from analysis.paths import contained, is_valid_id


def test_a_path_inside_its_root_resolves(tmp_path):
    (tmp_path / "a").mkdir()
    assert contained("a/b.csv", tmp_path, where="m.yaml", key="file") == tmp_path / "a" / "b.csv"
    assert contained(tmp_path / "a", tmp_path, where="m.yaml", key="file") == tmp_path / "a"


@pytest.mark.parametrize("value", ["../x", "/etc/passwd", "a/../../x", "a\0b", ""])
def test_escapes_and_unusable_paths_name_the_file_and_key(tmp_path, value):
    with pytest.raises(UnsafeInputError, match=r"^m\.yaml: key 'file'"):
        contained(value, tmp_path / "root", where="m.yaml", key="file")


def test_a_symlink_pointing_out_is_judged_by_its_target(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret").write_text("x")
    (root / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(UnsafeInputError, match="outside"):
        contained("link", root, where="m.yaml", key="file")


def test_relative_paths_start_from_base(tmp_path):
    root, base = tmp_path / "raw" / "clients", tmp_path
    assert contained("raw/clients/a", root, where="c", key="k", base=base) == root / "a"


def test_unsafe_input_is_bad_input_and_a_config_error():
    assert issubclass(UnsafeInputError, DataValidationError)
    assert issubclass(UnsafeInputError, ConfigError)


@pytest.mark.parametrize("value", ["acme", "acme-bank-2", "a" * 41])
def test_valid_ids(value):
    assert is_valid_id(value)


@pytest.mark.parametrize("value", ["acme\n", "Acme", "-acme", "../x", "a/b", "a" * 42, "", None])
def test_ids_are_judged_as_a_whole_string(value):
    assert not is_valid_id(value)


def test_a_relative_bpo_root_is_resolved_once_from_the_cwd(tmp_path, monkeypatch):
    from analysis.paths import kernel_environment, project_root

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BPO_ROOT", "proj")
    monkeypatch.setenv("BPO_SHARED_RESEARCH", "up/research")
    assert project_root() == tmp_path / "proj"
    assert kernel_environment() == {"BPO_ROOT": str(tmp_path / "proj"),
                                    "BPO_SHARED_RESEARCH": str(tmp_path / "up" / "research")}
