"""The benchmark's table: every figure with its target and whether it holds, printed as it is
measured and written at the end as markdown and JSON (with the machine and the commit)."""
from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Figure:
    section: str
    name: str
    value: float
    unit: str = ""
    target: Optional[str] = None  # e.g. "≤ 1.15"
    holds: Optional[bool] = None  # None: measured, no target
    note: str = ""

    def shown(self) -> str:
        if self.unit == "x":
            return f"{self.value:.2f}×"
        if self.unit == "%":
            return f"{self.value:.2f} %"
        if isinstance(self.value, float) and not self.value.is_integer():
            return f"{self.value:,.2f} {self.unit}".strip()
        return f"{int(self.value):,} {self.unit}".strip()

    def verdict(self) -> str:
        return "" if self.holds is None else ("holds" if self.holds else "DOES NOT HOLD")


def at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)

    def add(self, section: str, name: str, value: float, unit: str = "", *, target: Optional[str] = None,
            check: Optional[Callable[[float], bool]] = None, note: str = "") -> Figure:
        figure = Figure(section, name, value, unit, target, None if check is None else bool(check(value)), note)
        self.append(figure)
        return figure

    def append(self, figure: Figure) -> None:
        """Keep a figure measured here or in another process, and print it."""
        self.figures.append(figure)
        target_text = f"  (target {figure.target}: {figure.verdict()})" if figure.target else ""
        note = f"  — {figure.note}" if figure.note else ""
        print(f"[{figure.section}] {figure.name}: {figure.shown()}{target_text}{note}", flush=True)

    def markdown(self, machine: dict, commit: str) -> str:
        lines = [f"Commit `{commit}`, {machine['when']} — {machine['cpus']} cores, {machine['platform']}, "
                 f"Python {machine['python']}. Command: `make bench`.", "",
                 "| section | figure | measured | target | |", "|---|---|---:|---|---|"]
        for figure in self.figures:
            note = f" ({figure.note})" if figure.note else ""
            lines.append(f"| {figure.section} | {figure.name}{note} | {figure.shown()} | {figure.target or ''} | "
                         f"{figure.verdict()} |")
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> None:
        machine = {
            "platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        }
        commit = _commit()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.md").write_text(self.markdown(machine, commit))
        (folder / "results.json").write_text(json.dumps(
            {"commit": commit, "machine": machine, "figures": [asdict(f) for f in self.figures]}, indent=2) + "\n")
        held = [f for f in self.figures if f.holds is not None]
        print(f"\n{sum(f.holds for f in held)} of {len(held)} targets hold; the table: "
              f"{(folder / 'results.md').relative_to(ROOT)} and results.json")


def _commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
