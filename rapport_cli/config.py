"""Where the CLI finds the gateway and its API key.

Each value is taken from the first place that has it:

1. the command line (`--url`, `--token`);
2. the environment (`RAPPORT_URL`, `RAPPORT_TOKEN`);
3. the config file: `$RAPPORT_CONFIG`, else `$XDG_CONFIG_HOME/rapport/config.toml`, else
   `~/.config/rapport/config.toml`, a TOML file with top-level `url` and `token`;
4. the default URL `http://127.0.0.1:8080` (there is no default token).
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_URL = "http://127.0.0.1:8080"


class ConfigError(Exception):
    """The config file cannot be used."""


@dataclass(frozen=True)
class Config:
    url: str = DEFAULT_URL
    token: str | None = None
    source: dict[str, str] = field(default_factory=dict)  # value name -> where it came from
    warnings: tuple[str, ...] = ()


def config_path(env: Mapping[str, str]) -> Path:
    if env.get("RAPPORT_CONFIG"):
        return Path(env["RAPPORT_CONFIG"]).expanduser()
    base = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else Path.home() / ".config"
    return base / "rapport" / "config.toml"


def read_file(path: Path) -> tuple[dict[str, str], list[str]]:
    """The file's `url` and `token` (absent file: nothing), and warnings about it."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the config file {path} is not valid TOML: {exc}") from exc
    values: dict[str, str] = {key: data[key] for key in ("url", "token") if key in data}
    for key, value in values.items():
        if not isinstance(value, str):
            raise ConfigError(f"the config file {path}: `{key}` must be a string")
    warnings = []
    if "token" in values and os.name == "posix" and path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(f"{path} holds an API key and is readable by other users (chmod 600 {path})")
    return values, warnings


def load(*, url: str | None = None, token: str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """The effective configuration (see the module docstring)."""
    env = os.environ if env is None else env
    path = config_path(env)
    from_file, warnings = read_file(path)
    chosen: dict[str, str] = {}
    source: dict[str, str] = {}
    for name, flag in (("url", url), ("token", token)):
        for value, where in ((flag, f"--{name}"), (env.get(f"RAPPORT_{name.upper()}"), f"RAPPORT_{name.upper()}"),
                             (from_file.get(name), str(path))):
            if value:
                chosen[name], source[name] = value.strip(), where
                break
    return Config(url=(chosen.get("url") or DEFAULT_URL).rstrip("/"), token=chosen.get("token"), source=source,
                  warnings=tuple(warnings))
