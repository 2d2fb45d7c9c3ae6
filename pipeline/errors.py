"""One catalogue of user-facing errors, in the manner of spaCy's ``errors.py``.

Every error a user can meet carries a code and a hint of the fix, so the CLI can
print one clear line instead of a traceback and tests can assert on the code.
"""
from __future__ import annotations


class MedmineError(Exception):
    """Base class: an error the user can fix (bad input, bad rules, bad gold)."""

    code = "E000"
    hint = ""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}" + (f" (hint: {self.hint})" if self.hint else "")


class RuleError(MedmineError):
    """Rule files that do not validate; ``problems`` holds every ``path:line: message``."""

    code = "E100"
    hint = "run `medmine rules check` and fix the files it names"

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid rules:\n" + "\n".join(problems))


class InputError(MedmineError):
    """An input path that cannot be used at all (missing folder, no matching files)."""

    code = "E200"
    hint = "check the path and the --glob pattern"
