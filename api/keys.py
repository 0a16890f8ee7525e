"""API keys: made once, stored only as SHA-256 hashes, read from a keys file and `PLANNER_KEYS`.

The keys file (path: `Settings.keys_file`, env `PLANNER_KEYS_FILE`) holds

    {"keys": [{"name": "ops", "role": "planner", "sha256": "<64 hex digits>"}]}

and the environment variable `PLANNER_KEYS` may hold a document of the same shape; its keys are
merged with the file's, which suits containers whose secrets arrive through the environment.
Names are unique across both sources (the audit log records who did what by name), and so are
hashes (one key, one role). A key is `mp_` followed by `secrets.token_urlsafe(32)`: 256 random
bits, so a plain SHA-256 is enough to store it; a slow password hash only guards low-entropy
secrets that an attacker could guess, and it would cost every request a slow hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from planner.parsing import format_loc

__all__ = [
    "KEYS_ENV_VAR",
    "KEY_PREFIX",
    "KeyFileError",
    "KeyRing",
    "Principal",
    "Role",
    "StoredKey",
    "add_key",
    "generate_key",
    "hash_key",
    "load_keys",
]

KEY_PREFIX = "mp_"
KEYS_ENV_VAR = "PLANNER_KEYS"
NEW_FILE_MODE = 0o600


class Role(StrEnum):
    """What a key may do: plan (submit, cancel, read), only read plans, or only read the audit log."""

    PLANNER = "planner"
    VIEWER = "viewer"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class Principal:
    """The holder of an authenticated key, by the key's name."""

    name: str
    role: Role


class KeyFileError(Exception):
    """A keys file or `PLANNER_KEYS` that cannot be used, or a key that cannot be added; the message says why."""


class StoredKey(BaseModel):
    """One entry of a keys document: a named role and the hash of its key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Names appear in the audit log and in log lines, so they are plain words without spaces or control characters.
    name: Annotated[str, StringConstraints(pattern=r"^[\w.@+-]+$", max_length=100)]
    role: Role
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$", to_lower=True)]


class KeysDocument(BaseModel):
    """The whole keys file, or the value of `PLANNER_KEYS`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    keys: tuple[StoredKey, ...] = Field(default=())


class KeyRing:
    """The keys the service accepts; `authenticate` finds who holds a presented key."""

    def __init__(self, keys: Iterable[StoredKey] = ()) -> None:
        self._keys = tuple(keys)
        check_unique(self._keys, "the configured keys")

    def __len__(self) -> int:
        return len(self._keys)

    def authenticate(self, token: str) -> Principal | None:
        """The principal whose key is `token`, or None when no configured key matches."""
        digest = hash_key(token)
        found: Principal | None = None
        # Every hash is compared, in constant time each, so timing reveals neither which key matched nor where.
        for key in self._keys:
            if hmac.compare_digest(digest, key.sha256):
                found = Principal(key.name, key.role)
        return found


def generate_key() -> str:
    """A new random API key."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(token: str) -> str:
    """The lowercase SHA-256 hex digest under which a key is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_keys(path: Path, env: Mapping[str, str] | None = None) -> KeyRing:
    """Read the keys file (absent: no keys) and merge the keys of `PLANNER_KEYS` from `env` (default: os.environ)."""
    environ = os.environ if env is None else env
    keys = read_document(path).keys
    text = environ.get(KEYS_ENV_VAR, "")
    if text.strip():
        keys += parse_document(text, KEYS_ENV_VAR).keys
        check_unique(keys, f"{path} and {KEYS_ENV_VAR} together")
    return KeyRing(keys)


def add_key(path: Path, name: str, role: Role) -> str:
    """Make a key for `name`, store its hash in the keys file (made 0600 if absent), and return the key."""
    document = read_document(path)
    if any(key.name == name for key in document.keys):
        raise KeyFileError(f"{path} already has a key named {name!r}; choose another name")
    token = generate_key()
    try:
        entry = StoredKey(name=name, role=role, sha256=hash_key(token))
    except ValidationError as error:
        raise KeyFileError(f"cannot add the key: {describe(error)}") from None
    write_document(path, KeysDocument(keys=(*document.keys, entry)))
    return token


def read_document(path: Path) -> KeysDocument:
    """The keys document in `path`; an absent file is an empty document."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return KeysDocument()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise KeyFileError(f"cannot read the keys file {path}: {reason}") from None
    return parse_document(text, str(path))


def parse_document(text: str, source: str) -> KeysDocument:
    """Validate a keys document, naming the source and every problem in it."""
    try:
        document = KeysDocument.model_validate_json(text)
    except ValidationError as error:
        raise KeyFileError(f"{source} is not a valid keys document: {describe(error)}") from None
    check_unique(document.keys, source)
    return document


def describe(error: ValidationError) -> str:
    """Every problem of a validation error, by location; never the input, which may be a key."""
    problems = error.errors(include_input=False, include_url=False)
    return "; ".join(f"{format_loc(tuple(p['loc'])) or '(document)'}: {p['msg']}" for p in problems)


def check_unique(keys: tuple[StoredKey, ...], source: str) -> None:
    """Reject a repeated name or hash, which would make the audit log or a key's role ambiguous."""
    names: set[str] = set()
    hashes: set[str] = set()
    for key in keys:
        if key.name in names:
            raise KeyFileError(f"{source}: the key name {key.name!r} appears more than once")
        if key.sha256 in hashes:
            raise KeyFileError(f"{source}: the key named {key.name!r} has the same hash as another key")
        names.add(key.name)
        hashes.add(key.sha256)


def write_document(path: Path, document: KeysDocument) -> None:
    """Replace the keys file atomically, so a reader sees the old file or the new one, never half of one."""
    text = json.dumps(document.model_dump(mode="json"), indent=2) + "\n"
    mode = existing_mode(path)
    try:
        # mkstemp makes the file 0600 whatever the umask, so the hashes are never readable by others meanwhile.
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise KeyFileError(f"cannot write the keys file {path}: {error.strerror}") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        temp.chmod(NEW_FILE_MODE if mode is None else mode)
        temp.replace(path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise KeyFileError(f"cannot write the keys file {path}: {error.strerror}") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    sync_directory(path.parent)


def existing_mode(path: Path) -> int | None:
    """The permission bits of an existing file, which a rewrite keeps; None for a new file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def sync_directory(directory: Path) -> None:
    """Flush the directory entry of a replaced file, so the new file survives a crash."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
