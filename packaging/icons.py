"""Render the app icon for the installers: PNGs, a Windows .ico and a macOS .icns.

    python packaging/icons.py [--source resources/icons/h2b-workbench.svg] [--out build/icons]

The one source is ``resources/icons/h2b-workbench.svg`` (the window uses it directly). Qt's SVG
renderer (QtSvg, in PySide6-Essentials) draws it at each size; no Pillow, no ImageMagick, so the
same script works on the three build systems. Both containers hold PNG images, which every
Windows since Vista and every macOS since 10.7 read:

* ``.ico``: the ICONDIR header (reserved 0, type 1, count), one 16-byte entry per image (width and
  height as a byte, 0 meaning 256; colours 0; planes 1; 32 bits per pixel; size; offset), then
  the PNG files;
* ``.icns``: the ``icns`` magic and total length, then one ``(type, length, data)`` block per
  image, types ``icp4`` 16, ``icp5`` 32, ``icp6`` 64, ``ic07`` 128, ``ic08`` 256, ``ic09`` 512.

All integers of .icns are big-endian, those of .ico little-endian.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08", 512: b"ic09"}
NAME = "h2b-workbench"


def render_pngs(source: Path, sizes: tuple[int, ...]) -> dict[int, bytes]:
    """``source`` drawn at each size, as PNG file bytes (transparent background)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"icons: {source} is not an SVG Qt can draw")
    pngs: dict[int, bytes] = {}
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # stubs say bytes; runtime wants str
            raise SystemExit(f"icons: could not encode the {size} px PNG")
        pngs[size] = bytes(data.data())
    del app
    return pngs


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows icon holding ``pngs`` (size → PNG bytes, sizes up to 256)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        png = pngs[size]
        side = 0 if size == 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """A macOS icon family holding ``pngs`` at the sizes ICNS_TYPES names."""
    blocks = b"".join(
        ICNS_TYPES[size] + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
        for size in sorted(pngs)
        if size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(blocks)) + blocks


def build(source: Path, out: Path) -> list[Path]:
    """Write every icon file into ``out``; return their paths."""
    pngs = render_pngs(source, SIZES)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for size, png in pngs.items():
        path = out / f"{NAME}-{size}.png"
        path.write_bytes(png)
        written.append(path)
    for path, data in (
        (out / f"{NAME}.ico", ico_bytes({s: pngs[s] for s in ICO_SIZES})),
        (out / f"{NAME}.icns", icns_bytes(pngs)),
    ):
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "resources" / "icons" / f"{NAME}.svg")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "icons")
    args = parser.parse_args(argv)
    written = build(args.source, args.out)
    print(f"icons: {len(written)} files in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
