"""API keys: made, stored as hashes in a 0600 file, read back with PLANNER_KEYS, and the `keys add` command."""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.commands import add_commands
from api.keys import KEYS_ENV_VAR, KeyFileError, KeyRing, Principal, Role, add_key, hash_key, load_keys

ROOT = Path(__file__).resolve().parent.parent
KEY_SHAPE = re.compile(r"mp_[A-Za-z0-9_-]{43}")
NO_ENV: dict[str, str] = {}


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    return tmp_path / "keys.json"


def entry(name: str, role: str, token: str) -> dict[str, str]:
    return {"name": name, "role": role, "sha256": hash_key(token)}


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that lets everyone read new files, so a 0600 file owes nothing to the umask."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_an_added_key_authenticates_as_its_name_and_role(keys_file: Path) -> None:
    key = add_key(keys_file, "ops", Role.PLANNER)
    ring = load_keys(keys_file, NO_ENV)
    assert KEY_SHAPE.fullmatch(key)
    assert ring.authenticate(key) == Principal("ops", Role.PLANNER)


@pytest.mark.parametrize("token", ["", "mp_", "nope", "MP_x"])
def test_other_tokens_do_not_authenticate(keys_file: Path, token: str) -> None:
    key = add_key(keys_file, "ops", Role.PLANNER)
    ring = load_keys(keys_file, NO_ENV)
    assert ring.authenticate(token) is None
    assert ring.authenticate(key + "x") is None
    assert ring.authenticate(key[:-1]) is None


def test_each_key_has_its_own_role(keys_file: Path) -> None:
    keys = {role: add_key(keys_file, f"holder-{role}", role) for role in Role}
    ring = load_keys(keys_file, NO_ENV)
    assert len(ring) == 3
    for role, key in keys.items():
        assert ring.authenticate(key) == Principal(f"holder-{role}", role)


def test_only_the_hash_is_stored(keys_file: Path) -> None:
    key = add_key(keys_file, "ops", Role.VIEWER)
    text = keys_file.read_text()
    assert key not in text
    assert json.loads(text) == {"keys": [entry("ops", "viewer", key)]}


def test_keys_are_random(keys_file: Path) -> None:
    first, second = add_key(keys_file, "a", Role.VIEWER), add_key(keys_file, "b", Role.VIEWER)
    assert first != second


@pytest.mark.usefixtures("open_umask")
def test_a_new_keys_file_is_readable_by_its_owner_only(keys_file: Path) -> None:
    add_key(keys_file, "ops", Role.PLANNER)
    assert mode_of(keys_file) == 0o600


def test_adding_a_key_keeps_the_mode_an_administrator_chose(keys_file: Path) -> None:
    add_key(keys_file, "ops", Role.PLANNER)
    keys_file.chmod(0o640)
    add_key(keys_file, "audit", Role.AUDITOR)
    assert mode_of(keys_file) == 0o640


def test_adding_leaves_no_temporary_file(keys_file: Path) -> None:
    add_key(keys_file, "ops", Role.PLANNER)
    add_key(keys_file, "audit", Role.AUDITOR)
    assert [p.name for p in keys_file.parent.iterdir()] == ["keys.json"]


def test_a_repeated_name_is_refused_and_the_file_kept(keys_file: Path) -> None:
    key = add_key(keys_file, "ops", Role.PLANNER)
    before = keys_file.read_bytes()
    with pytest.raises(KeyFileError, match="already has a key named 'ops'"):
        add_key(keys_file, "ops", Role.VIEWER)
    assert keys_file.read_bytes() == before
    assert load_keys(keys_file, NO_ENV).authenticate(key) == Principal("ops", Role.PLANNER)


@pytest.mark.parametrize("name", ["", "two words", "line\nbreak", "x" * 101])
def test_a_name_that_is_not_one_plain_word_is_refused(keys_file: Path, name: str) -> None:
    with pytest.raises(KeyFileError, match="name"):
        add_key(keys_file, name, Role.VIEWER)
    assert not keys_file.exists()


def test_a_malformed_file_is_not_overwritten_by_add(keys_file: Path) -> None:
    keys_file.write_text("{not json")
    with pytest.raises(KeyFileError, match=r"keys\.json is not a valid keys document"):
        add_key(keys_file, "ops", Role.PLANNER)
    assert keys_file.read_text() == "{not json"


def test_adding_into_a_missing_directory_says_so(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot write the keys file"):
        add_key(tmp_path / "absent" / "keys.json", "ops", Role.PLANNER)


def test_a_missing_file_is_an_empty_key_ring(keys_file: Path) -> None:
    ring = load_keys(keys_file, NO_ENV)
    assert len(ring) == 0
    assert ring.authenticate("mp_anything") is None


GOOD = entry("ops", "planner", "mp_good")


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("{not json", "(document): Invalid JSON"),
        ("[]", "(document): Input should be an object"),
        ('{"keys": {}}', "keys: Input should be a valid array"),
        ('{"keys": [], "extra": 1}', "extra: Extra inputs are not permitted"),
        (json.dumps({"keys": [{**GOOD, "role": "admin"}]}), "keys[0].role: Input should be"),
        (json.dumps({"keys": [GOOD, {"name": "x", "role": "viewer"}]}), "keys[1].sha256: Field required"),
        (json.dumps({"keys": [{**GOOD, "sha256": "abc"}]}), "keys[0].sha256: String should match pattern"),
        (json.dumps({"keys": [GOOD, {**GOOD, "sha256": hash_key("other")}]}), "'ops' appears more than once"),
        (json.dumps({"keys": [GOOD, {**GOOD, "name": "twin"}]}), "'twin' has the same hash as another key"),
    ],
)
def test_a_malformed_file_names_what_is_wrong(keys_file: Path, content: str, named: str) -> None:
    keys_file.write_text(content)
    with pytest.raises(KeyFileError) as caught:
        load_keys(keys_file, NO_ENV)
    assert str(keys_file) in str(caught.value)
    assert named in str(caught.value)


def test_a_key_pasted_in_place_of_its_hash_is_not_quoted(keys_file: Path) -> None:
    secret = "mp_" + "S" * 43
    keys_file.write_text(json.dumps({"keys": [{**GOOD, "sha256": secret}]}))
    with pytest.raises(KeyFileError) as caught:
        load_keys(keys_file, NO_ENV)
    assert secret not in str(caught.value)


def test_an_unreadable_keys_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read the keys file"):
        load_keys(tmp_path, NO_ENV)


def test_uppercase_hashes_are_accepted(keys_file: Path) -> None:
    keys_file.write_text(json.dumps({"keys": [{**GOOD, "sha256": GOOD["sha256"].upper()}]}))
    assert load_keys(keys_file, NO_ENV).authenticate("mp_good") == Principal("ops", Role.PLANNER)


def test_keys_from_the_environment_join_the_file_keys(keys_file: Path) -> None:
    file_key = add_key(keys_file, "ops", Role.PLANNER)
    env = {KEYS_ENV_VAR: json.dumps({"keys": [entry("ci", "viewer", "mp_from_env")]})}
    ring = load_keys(keys_file, env)
    assert ring.authenticate(file_key) == Principal("ops", Role.PLANNER)
    assert ring.authenticate("mp_from_env") == Principal("ci", Role.VIEWER)


def test_keys_from_the_environment_alone(keys_file: Path) -> None:
    env = {KEYS_ENV_VAR: json.dumps({"keys": [entry("ci", "auditor", "mp_from_env")]})}
    assert load_keys(keys_file, env).authenticate("mp_from_env") == Principal("ci", Role.AUDITOR)


def test_an_empty_environment_variable_adds_nothing(keys_file: Path) -> None:
    assert len(load_keys(keys_file, {KEYS_ENV_VAR: "  "})) == 0


def test_the_environment_is_read_from_os_environ_by_default(keys_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEYS_ENV_VAR, json.dumps({"keys": [entry("ci", "viewer", "mp_from_env")]}))
    assert load_keys(keys_file).authenticate("mp_from_env") == Principal("ci", Role.VIEWER)


def test_a_malformed_environment_variable_is_named(keys_file: Path) -> None:
    with pytest.raises(KeyFileError, match=f"{KEYS_ENV_VAR} is not a valid keys document: keys\\[0\\].role"):
        load_keys(keys_file, {KEYS_ENV_VAR: json.dumps({"keys": [{**GOOD, "role": "root"}]})})


def test_a_name_in_both_the_file_and_the_environment_is_refused(keys_file: Path) -> None:
    add_key(keys_file, "ops", Role.PLANNER)
    env = {KEYS_ENV_VAR: json.dumps({"keys": [entry("ops", "viewer", "mp_from_env")]})}
    with pytest.raises(KeyFileError, match=f"and {KEYS_ENV_VAR} together: the key name 'ops' appears more than once"):
        load_keys(keys_file, env)


def test_a_key_ring_built_directly_refuses_repeats() -> None:
    from api.keys import StoredKey

    key = StoredKey.model_validate(GOOD)
    with pytest.raises(KeyFileError, match="more than once"):
        KeyRing([key, key])


# The `keys add` command, through a parser built here as `planner` builds its own.


def keys_command(*args: str | Path) -> int:
    parser = argparse.ArgumentParser(prog="planner")
    add_commands(parser.add_subparsers(required=True, metavar="COMMAND"))
    namespace = parser.parse_args([str(a) for a in args])
    code: int = namespace.run(namespace)
    return code


def test_keys_add_prints_the_key_and_nothing_else(keys_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = keys_command("keys", "add", "ops", "--role", "planner", "--keys-file", keys_file)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert KEY_SHAPE.fullmatch(out.removesuffix("\n"))
    assert load_keys(keys_file, NO_ENV).authenticate(out.strip()) == Principal("ops", Role.PLANNER)


def test_keys_add_uses_the_keys_file_setting_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLANNER_KEYS_FILE", str(tmp_path / "configured.json"))
    assert keys_command("keys", "add", "ops", "--role", "auditor") == 0
    key = capsys.readouterr().out.strip()
    assert load_keys(tmp_path / "configured.json", NO_ENV).authenticate(key) == Principal("ops", Role.AUDITOR)


def test_keys_add_with_a_taken_name_exits_2_with_the_reason(
    keys_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_key(keys_file, "ops", Role.PLANNER)
    assert keys_command("keys", "add", "ops", "--role", "viewer", "--keys-file", keys_file) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "already has a key named 'ops'" in err


def test_keys_add_with_bad_settings_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLANNER_WORKERS", "0")
    assert keys_command("keys", "add", "ops", "--role", "viewer") == 2
    assert "settings are not valid: workers" in capsys.readouterr().err


def test_keys_add_refuses_an_unknown_role(keys_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        keys_command("keys", "add", "ops", "--role", "admin", "--keys-file", keys_file)
    assert caught.value.code == 2
    assert "invalid choice: 'admin'" in capsys.readouterr().err
    assert not keys_file.exists()


def test_planner_keys_add_as_a_user_runs_it(keys_file: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "planner.cli",
        "keys",
        "add",
        "ops",
        "--role",
        "viewer",
        "--keys-file",
        str(keys_file),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
    assert KEY_SHAPE.fullmatch(result.stdout.removesuffix("\n"))
    assert load_keys(keys_file, NO_ENV).authenticate(result.stdout.strip()) == Principal("ops", Role.VIEWER)
