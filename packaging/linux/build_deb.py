"""Build the Debian package from the PyInstaller bundle: ``dist/h2b-workbench_<v>_<arch>.deb``.

    python packaging/linux/build_deb.py [--bundle dist/h2b-workbench] [--out dist]
                                        [--compression xz|gzip|zstd|none] [--level N]

What the package installs:

==========================================================  ======================================
``/opt/h2b-workbench/``                                     the one-folder bundle as built
``/usr/bin/h2b-workbench``                                  symbolic link to the bundle's executable
``/usr/share/applications/h2b-workbench.desktop``           the menu entry (``packaging/linux/``)
``/usr/share/icons/hicolor/<N>x<N>/apps/h2b-workbench.png`` the icon, 16 to 512 px
``/usr/share/icons/hicolor/scalable/apps/h2b-workbench.svg`` the icon's source
``/usr/share/doc/h2b-workbench/copyright``                  licence notes
==========================================================  ======================================

``Depends`` is computed, the way ``dpkg-shlibdeps`` would: every ELF file of the bundle is
read with ``objdump -p`` for its ``NEEDED`` libraries; those the bundle does not carry itself
must come from the system, and ``dpkg -S`` names the package that holds each one on the build
machine. glibc's version is the highest ``GLIBC_x.y`` symbol version any file asks for. The
desktop database and the icon cache are refreshed by dpkg triggers (desktop-file-utils,
hicolor-icon-theme), so the package has no maintainer scripts.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAME = "h2b-workbench"
PREFIX = Path("opt") / NAME
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
RECOMMENDS = "libasound2-plugins, pulseaudio | pipewire-pulse, espeak-ng | flite"
SUGGESTS = "gnome-keyring | kwalletmanager"
GLIBC = re.compile(rb"GLIBC_(\d+)\.(\d+)")


class PackagingError(RuntimeError):
    """A step failed; the message says which and what to do."""


@dataclass(frozen=True)
class DebResult:
    path: Path
    version: str
    depends: str
    installed_kib: int


def version() -> str:
    sys.path.insert(0, str(ROOT))
    import workbench

    return workbench.__version__


def architecture() -> str:
    return _run(["dpkg", "--print-architecture"]).strip()


def _run(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    except FileNotFoundError:
        raise PackagingError(
            f"{command[0]} is not installed (Debian: apt-get install binutils dpkg)"
        ) from None
    except subprocess.CalledProcessError as error:
        raise PackagingError(f"{' '.join(command)} failed: {error.stderr.strip()}") from None
    return str(done.stdout)


def _elf_files(bundle: Path) -> list[Path]:
    found = []
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def system_libraries(bundle: Path) -> tuple[set[str], tuple[int, int]]:
    """Libraries the bundle's ELF files need and do not carry, and the glibc version wanted."""
    carried = {path.name for path in bundle.rglob("*.so*")}
    needed: set[str] = set()
    glibc = (2, 17)
    for path in _elf_files(bundle):
        dump = _run(["objdump", "-p", str(path)])
        needed.update(re.findall(r"^\s*NEEDED\s+(\S+)", dump, re.MULTILINE))
        for major, minor in GLIBC.findall(path.read_bytes()):
            glibc = max(glibc, (int(major), int(minor)))
    return needed - carried, glibc


def owning_packages(libraries: set[str]) -> dict[str, str]:
    """Library name → the Debian package holding it here (``dpkg -S``), without the arch."""
    owners: dict[str, str] = {}
    for library in sorted(libraries):
        try:
            out = _run(["dpkg", "-S", f"*/{library}"])
        except PackagingError:
            raise PackagingError(
                f"the bundle needs {library} but no installed package holds it: install the "
                "library on the build machine (it is needed at run time too)"
            ) from None
        package = out.splitlines()[0].split(":")[0].strip()
        owners[library] = package
    return owners


def depends_field(bundle: Path) -> str:
    libraries, (major, minor) = system_libraries(bundle)
    packages = set(owning_packages(libraries).values()) - {"libc6"}
    return ", ".join([f"libc6 (>= {major}.{minor})", *sorted(packages)])


def _control(version_text: str, arch: str, depends: str, installed_kib: int) -> str:
    return (
        f"Package: {NAME}\n"
        f"Version: {version_text}\n"
        f"Architecture: {arch}\n"
        "Maintainer: H2B Workbench engineers <workbench@h2b.invalid>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {depends}\n"
        f"Recommends: {RECOMMENDS}\n"
        f"Suggests: {SUGGESTS}\n"
        "Section: devel\n"
        "Priority: optional\n"
        "Description: desktop workbench for the Stream H2B voice-bot API\n"
        " Stream audio from a microphone, a WAV file or a TTS voice to an H2B server (the real\n"
        " service or the embedded offline one), set session parameters and grammars, fire\n"
        " RECOGNIZE requests and read every request, response and event on a timeline linked\n"
        " to the audio. For voice-bot developers and support engineers.\n"
    )


def _copyright() -> str:
    return (
        "H2B Workbench\n\n"
        "Copyright: the H2B Workbench engineers. All rights reserved.\n\n"
        "The bundle under /opt/h2b-workbench carries third-party components under their own\n"
        "licences: Python (PSF), Qt 6 and PySide6 (LGPL-3.0), NumPy (BSD-3-Clause), aiohttp\n"
        "(Apache-2.0), pyqtgraph (MIT), qasync (BSD-2-Clause), PortAudio (MIT), pocketsphinx and\n"
        "its en-US model (BSD-2-Clause), Silero VAD (MIT), soxr (LGPL-2.1). Their licence files\n"
        "are in the bundle's _internal folder where the packages ship them.\n"
    )


def build_deb(
    bundle: Path, out: Path, *, compression: str = "xz", level: int | None = None
) -> DebResult:
    """Stage the package tree from ``bundle`` and run ``dpkg-deb --build``."""
    executable = bundle / NAME
    if not executable.is_file():
        raise PackagingError(f"no bundle at {bundle}: build it first (make package)")
    icons = ROOT / "build" / "icons"
    if not (icons / f"{NAME}-256.png").is_file():
        raise PackagingError(f"no icons in {icons}: run `python packaging/icons.py` first")
    version_text, arch = version(), architecture()
    stage = ROOT / "build" / "deb" / f"{NAME}_{version_text}_{arch}"
    if stage.exists():
        shutil.rmtree(stage)
    opt = stage / PREFIX
    shutil.copytree(bundle, opt, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / NAME).symlink_to(Path("/") / PREFIX / NAME)
    applications = stage / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    shutil.copy2(ROOT / "packaging" / "linux" / f"{NAME}.desktop", applications)
    hicolor = stage / "usr" / "share" / "icons" / "hicolor"
    for size in ICON_SIZES:
        target = hicolor / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy2(icons / f"{NAME}-{size}.png", target / f"{NAME}.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ROOT / "resources" / "icons" / f"{NAME}.svg", hicolor / "scalable" / "apps")
    doc = stage / "usr" / "share" / "doc" / NAME
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(_copyright(), encoding="utf-8")
    for path in stage.rglob("*"):  # dpkg-deb wants sane modes whatever the umask was
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    depends = depends_field(bundle)
    files = [p for p in stage.rglob("*") if p.is_file() and not p.is_symlink()]
    installed_kib = sum(p.stat().st_size for p in files) // 1024 + 1
    debian = stage / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(_control(version_text, arch, depends, installed_kib))
    out.mkdir(parents=True, exist_ok=True)
    deb = out / f"{NAME}_{version_text}_{arch}.deb"
    command = ["dpkg-deb", "--build", "--root-owner-group", f"-Z{compression}"]
    if level is not None:
        command.append(f"-z{level}")
    _run([*command, str(stage), str(deb)])
    return DebResult(deb, version_text, depends, installed_kib)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the .deb from the PyInstaller bundle.")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / NAME)
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--compression", default="xz", choices=["xz", "gzip", "zstd", "none"])
    parser.add_argument("--level", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        result = build_deb(args.bundle, args.out, compression=args.compression, level=args.level)
    except PackagingError as error:
        print(f"build_deb: {error}", file=sys.stderr)
        return 1
    print(f"build_deb: {result.path} ({result.path.stat().st_size / 1e6:.1f} MB)")
    print(f"build_deb: Depends: {result.depends}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
