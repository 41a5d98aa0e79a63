"""Build the Linux installer end to end and report on it: ``make package``.

    python packaging/build.py [--compression xz|zstd|gzip] [--dist DIR] [--whisper]

Steps, each timed: the icons (``packaging/icons.py``), the PyInstaller one-folder bundle
(``packaging/h2b-workbench.spec``), the .deb (``packaging/linux/build_deb.py``), then a smoke test
of what a user installs: the .deb is unpacked into a temporary root with ``dpkg-deb -x`` and the
frozen app found there runs ``--self-test`` offscreen (the embedded server inside the bundle
recognizes the bundled sample) and starts its window once with the benchmark switch, which
prints when the window was shown and when it was connected to its local server.

The report (bundle size, .deb size, installed size, build times, the frozen app's start times)
is printed as a table and written to ``build/package/report.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging" / "linux"))

from build_deb import NAME, PREFIX, DebResult, PackagingError, build_deb  # noqa: E402

REPORT = ROOT / "build" / "package" / "report.md"
BENCH_VARIABLE = "H2B_WORKBENCH_BENCH"


@dataclass
class Report:
    rows: list[tuple[str, str]] = field(default_factory=list)

    def add(self, what: str, value: str) -> None:
        self.rows.append((what, value))

    def markdown(self) -> str:
        lines = ["| what | value |", "|---|---|"]
        lines += [f"| {what} | {value} |" for what, value in self.rows]
        return "\n".join(lines) + "\n"


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def tree_size(path: Path) -> tuple[int, int]:
    """Bytes and files under ``path`` (symbolic links not followed)."""
    files = [p for p in path.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files), len(files)


def _step(command: list[str], what: str, **env: str) -> float:
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise PackagingError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return time.monotonic() - started


def build_bundle(dist: Path, *, whisper: bool = False) -> tuple[Path, float]:
    """Icons, then PyInstaller; the bundle folder and the seconds PyInstaller took."""
    _step([sys.executable, "packaging/icons.py"], "rendering the icons")
    seconds = _step(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
            "--distpath", str(dist), "--workpath", str(ROOT / "build" / "pyinstaller"),
            "packaging/h2b-workbench.spec",
        ],
        "PyInstaller",
        H2B_BUNDLE_WHISPER="1" if whisper else "",
    )  # fmt: skip
    return dist / NAME, seconds


def unpack(deb: Path, root: Path) -> Path:
    """``dpkg-deb -x`` into ``root``; the frozen executable inside it."""
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    return root / PREFIX / NAME


def isolated_env(home: Path) -> dict[str, str]:
    """Offscreen, with its own home and config (no settings, no keyring of the builder's)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(home)}
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env.pop(BENCH_VARIABLE, None)
    return env


def self_test(executable: Path, home: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [str(executable), "--self-test"],
        env=isolated_env(home),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return done, time.monotonic() - started


def start_times(executable: Path, home: Path) -> dict[str, float]:
    """Seconds from spawn to the window shown and to connected (the app's benchmark switch)."""
    env = {**isolated_env(home), BENCH_VARIABLE: "connected"}
    started = time.time()
    done = subprocess.run(
        [str(executable)], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    if done.returncode != 0:
        raise PackagingError(
            f"the frozen app did not start:\n{(done.stdout + done.stderr)[-3000:]}"
        )
    marks = re.findall(r"^H2B-BENCH (\w+) ([\d.]+)", done.stdout, re.MULTILINE)
    return {name: float(at) - started for name, at in marks}


def smoke(deb: DebResult, report: Report) -> None:
    with tempfile.TemporaryDirectory(prefix="h2b-deb-") as scratch:
        root = Path(scratch) / "root"
        executable = unpack(deb.path, root)
        done, seconds = self_test(executable, Path(scratch) / "home")
        if done.returncode != 0 or "SELF-TEST OK" not in done.stdout:
            raise PackagingError(
                f"the frozen self-test failed:\n{(done.stdout + done.stderr)[-3000:]}"
            )
        report.add("frozen `--self-test` (server start + one recognition)", f"{seconds:.1f} s")
        marks = start_times(executable, Path(scratch) / "home2")
        for name, label in (
            ("shown", "window shown"),
            ("connected", "connected to its local server"),
        ):
            if name in marks:
                report.add(f"frozen start → {label}", f"{marks[name]:.2f} s")


def build(compression: str, dist: Path, *, whisper: bool = False) -> Report:
    report = Report()
    bundle, seconds = build_bundle(dist, whisper=whisper)
    size, files = tree_size(bundle)
    report.add("PyInstaller build", f"{seconds:.0f} s")
    report.add("bundle (one folder)", f"{_megabytes(size)}, {files} files")
    started = time.monotonic()
    deb = build_deb(bundle, dist, compression=compression)
    report.add(f".deb build ({compression})", f"{time.monotonic() - started:.0f} s")
    report.add(".deb", f"{_megabytes(deb.path.stat().st_size)} ({deb.path.name})")
    report.add("installed size", _megabytes(deb.installed_kib * 1024))
    report.add("Depends", deb.depends)
    smoke(deb, report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Linux bundle and .deb, and check them.")
    parser.add_argument("--compression", default="xz", choices=["xz", "zstd", "gzip"])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--whisper", action="store_true", help="bundle faster-whisper and tiny.en")
    args = parser.parse_args(argv)
    try:
        report = build(args.compression, args.dist, whisper=args.whisper)
    except PackagingError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    text = report.markdown()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(f"# Linux package\n\n{text}", encoding="utf-8")
    print(text, end="")
    print(f"package: report written to {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
