#!/usr/bin/env bash
# Bring a checkout to a runnable state: system packages (apt), then .venv with the project installed.
#
#   scripts/bootstrap.sh app    # libraries the app needs, `pip install -e .`
#   scripts/bootstrap.sh test   # the above plus test tools, `pip install -e '.[test,lint,packaging]'`
#   scripts/bootstrap.sh package  # the app plus what building the installers needs (PyInstaller,
#                                 # binutils, the Wayland client libraries the bundle links)
#
# Idempotent: it asks dpkg what is missing and installs only that; it skips pip while the stamp in
# .venv is newer than pyproject.toml and records the extras wanted. Made for Debian 12 (root or
# sudo); elsewhere it names the system packages to install and goes on with the Python part.
set -euo pipefail

mode="${1:-test}"
case "$mode" in
    app | test | package) ;;
    *)
        echo "usage: $0 [app|test|package]" >&2
        exit 2
        ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.h2b-bootstrap"

say() { echo "bootstrap: $*"; }
die() {
    echo "bootstrap: error: $*" >&2
    exit 1
}

app_packages=(
    libportaudio2 openssl
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
    libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1 libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0
)
package_packages=(binutils libwayland-client0 libwayland-cursor0 libwayland-egl1)
test_packages=(
    espeak-ng flite sox libsox-fmt-all pulseaudio pulseaudio-utils libasound2-plugins alsa-utils
    xvfb xauth x11-utils imagemagick
)

# --- Python: python3.11, or python3 if it is >= 3.11 ------------------------------------------------
version_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

find_python() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && version_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

have_dpkg=false
command -v dpkg-query >/dev/null 2>&1 && have_dpkg=true

wanted=("${app_packages[@]}")
[[ "$mode" == test ]] && wanted+=("${test_packages[@]}" "${package_packages[@]}")
[[ "$mode" == package ]] && wanted+=("${package_packages[@]}")

python="$(find_python || true)"
venv_usable=false
if [[ -x "$venv/bin/python" ]] && version_ok "$venv/bin/python"; then
    venv_usable=true
fi

if [[ -z "$python" ]]; then
    if $have_dpkg; then
        # Debian 12's python3 is 3.11; install it with the rest.
        wanted+=(python3 python3-venv)
    elif ! $venv_usable; then
        die "Python >= 3.11 not found (looked for python3.11 and python3); install it and rerun"
    fi
elif $have_dpkg && ! $venv_usable; then
    # A Debian system Python makes venvs only with its -venv package (ensurepip is split out).
    real="$("$python" -c 'import os, sys; print(os.path.realpath(sys.executable))')"
    if dpkg-query -S "$real" >/dev/null 2>&1; then
        ver="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        if [[ "$(readlink -f /usr/bin/python3 2>/dev/null)" == "$real" ]]; then
            wanted+=(python3-venv)
        else
            wanted+=("python${ver}-venv")
        fi
    fi
fi

# --- System packages ----------------------------------------------------------------------------
if $have_dpkg; then
    installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null || true)"
    missing=()
    for pkg in "${wanted[@]}"; do
        if ! grep -qx "$pkg install ok installed" <<<"$installed"; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        say "system packages ok (${#wanted[@]} checked)"
    else
        sudo=()
        can_install=true
        if [[ "$(id -u)" != 0 ]]; then
            if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
                sudo=(sudo -n)
            else
                can_install=false
            fi
        fi
        if $can_install; then
            say "installing ${#missing[@]} system packages: ${missing[*]}"
            "${sudo[@]}" apt-get update -qq
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
            say "system packages installed"
        else
            say "not root and no password-less sudo; please install these packages, then rerun:"
            say "  apt-get install --no-install-recommends ${missing[*]}"
        fi
    fi
else
    say "no dpkg here (not Debian?); make sure the equivalents of these are installed: ${wanted[*]}"
fi

if [[ -z "$python" ]] && ! $venv_usable; then
    python="$(find_python || true)"
    [[ -n "$python" ]] || die "Python >= 3.11 not found (looked for python3.11 and python3); install it and rerun"
fi

# --- .venv and the project --------------------------------------------------------------------------
if ! $venv_usable; then
    if [[ -e "$venv" ]]; then
        say "removing unusable .venv"
        rm -rf -- "$venv"
    fi
    say "creating .venv with $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    "$python" -m venv "$venv" ||
        die "'$python -m venv' failed; on Debian install python3-venv (apt-get install python3-venv)"
    say "upgrading pip"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
fi

case "$mode" in
    app) extras=() ;;
    test) extras=(test lint packaging) ;;
    package) extras=(packaging) ;;
esac

# The stamp lists the extras installed since pyproject.toml last changed, one per line; the base
# install is implied by the stamp being there.
stamp_extras=()
needed=false
if [[ -f "$stamp" && "$stamp" -nt "$root/pyproject.toml" ]]; then
    mapfile -t stamp_extras <"$stamp"
    for extra in "${extras[@]}"; do
        [[ " ${stamp_extras[*]} " == *" $extra "* ]] || needed=true
    done
else
    needed=true
    rm -f -- "$stamp"
fi

label="${extras[*]}"
label="${label// /,}"
if $needed; then
    target="."
    [[ -n "$label" ]] && target=".[$label]"
    say "pip install -e '$target'"
    (cd "$root" && "$venv/bin/python" -m pip install -q --disable-pip-version-check -e "$target")
    printf '%s\n' "${stamp_extras[@]}" "${extras[@]}" | sed '/^$/d' | sort -u >"$stamp"
    say "done"
else
    say ".venv up to date (${label:-base install})"
fi
