"""How the `deepstep` command reads its options and says what is wrong with them: one line on
stderr, `deepstep <command>: …`, exit status 1, never a usage dump or a traceback.

The argparse `type=` functions here turn a word into a number and check it with the one rule in
deepstep/checks.py (a size is a positive integer, a split lies in [0, 1), …), so `--hidden 0` and
`MLP([784, 0, 10])` are refused by the same check.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Any, NoReturn

from .. import checks

__all__ = [
    "Parser",
    "UsageError",
    "fraction",
    "non_negative_int",
    "non_negative_number",
    "positive_int",
    "positive_number",
]


class UsageError(Exception):
    """A bad command line, already worded as the one line to print."""


def _typed(parse: Callable[[str], Any], check: Callable[[None, str, Any], Any]) -> Callable[[str], Any]:
    """An argparse type: parse the word, then check the value; an ArgumentTypeError saying what was
    expected and what came otherwise."""

    def convert(text: str) -> Any:
        try:
            value = parse(text)
        except ValueError:
            value = text  # not a number at all: the check says what was expected
        try:
            return check(None, "value", value)
        except ValueError as error:  # "value must be a positive integer, got 0": keep what follows "must"
            expected = str(error).split(" must be ", 1)[-1].split(", got ")[0]
            raise argparse.ArgumentTypeError(f"must be {expected}, got {text!r}") from None

    convert.__name__ = check.__name__
    return convert


def _integer(text: str) -> int:
    return int(text)


positive_int = _typed(_integer, checks.positive_int)
non_negative_int = _typed(_integer, checks.non_negative_int)
positive_number = _typed(float, checks.positive_number)
non_negative_number = _typed(float, checks.non_negative_number)
fraction = _typed(float, checks.fraction)


class Parser(argparse.ArgumentParser):
    """argparse with deepstep's errors: `deepstep train: --hidden must be a positive integer, got '0'
    (default 256 128)` as a UsageError, which `main` prints as one line with exit status 1."""

    def error(self, message: str) -> NoReturn:
        found = re.match(r"argument (\S+?)(?:/(\S+))?: (.*)", message, re.DOTALL)
        if found:
            short, long, problem = found.groups()
            option = long or short
            line = f"{option} {problem}" if problem.startswith("must ") else f"{option}: {problem}"
            default = "" if problem.startswith("invalid choice") else self._default_of(option)
            line += f" (default {default})" if default else f"; see `{self.prog} --help`"
        else:  # a missing argument, an unknown option
            line = f"{message}; see `{self.prog} --help`"
        raise UsageError(f"{self.prog}: {' '.join(line.split())}")

    def _default_of(self, option: str) -> str:
        """The default of an option as it would be typed ('256 128'), or '' when it has none."""
        for action in self._actions:
            if option in action.option_strings or option == action.dest:
                default = action.default
                if default is None or default is argparse.SUPPRESS or isinstance(default, bool):
                    return ""
                return " ".join(map(str, default)) if isinstance(default, (list, tuple)) else str(default)
        return ""
