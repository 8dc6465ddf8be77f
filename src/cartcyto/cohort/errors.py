"""The one exception bad input gets, and how it is printed."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CohortError(Exception):
    """A violation of the data contract, explained for the person who owns the file.

    Attributes
    ----------
    file : the offending file, as the user named it (e.g. ``data/mine/labs.csv``)
    column : the offending column, or ``None`` for file-level problems
    problem : one sentence saying what is wrong
    fix : one sentence saying how to fix it
    rows : up to five offending rows as ``(line_number, patient_id)``; line numbers count the
        header as line 1, as a spreadsheet or text editor shows them
    n_bad : total number of offending rows (may exceed ``len(rows)``)
    """

    file: str
    column: str | None
    problem: str
    fix: str
    rows: list[tuple[int | None, str | None]] = field(default_factory=list)
    n_bad: int = 0

    def __post_init__(self) -> None:
        super().__init__(self.message())

    def message(self) -> str:
        where = self.file if self.column is None else f"{self.file}, column '{self.column}'"
        lines = [f"Invalid cohort input: {where}: {self.problem}"]
        if self.rows:
            shown = []
            for line, pid in self.rows[:5]:
                parts = []
                if line is not None:
                    parts.append(f"line {line}")
                if pid is not None and pid == pid:  # not NaN
                    parts.append(f"patient_id {pid}")
                shown.append(" / ".join(parts) if parts else "?")
            more = max(self.n_bad, len(self.rows)) - len(shown)
            lines.append("  offending rows: " + "; ".join(shown) + (f" (and {more} more)" if more > 0 else ""))
        lines.append(f"  how to fix: {self.fix}")
        return "\n".join(lines)

    def __str__(self) -> str:  # pragma: no cover - exercised via message()
        return self.message()
