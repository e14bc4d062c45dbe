#!/usr/bin/env bash
# Installs what regime needs to build and test, only where it is missing:
# Debian/Ubuntu packages (as root, or through sudo) and the Python virtualenv
# (.venv) holding the independent implementations the tests compare against.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(pkg-config libhdf5-dev libopenblas-dev liblapacke-dev libglpk-dev zlib1g-dev hdf5-tools graphviz
          librsvg2-bin chromium fonts-dejavu-core time libsundials-dev liblbfgs-dev slurm-wlm munge)

missing_system() {
    command -v pkg-config >/dev/null || return 0
    pkg-config --exists hdf5-serial openblas lapacke || return 0
    [ -f /usr/include/glpk.h ] || return 0
    [ -f /usr/include/cvode/cvode.h ] || return 0
    [ -f /usr/include/lbfgs.h ] || return 0
    command -v slurmctld >/dev/null || return 0
    command -v munged >/dev/null || return 0
    command -v h5dump >/dev/null || return 0
    command -v dot >/dev/null || return 0
    command -v rsvg-convert >/dev/null || return 0
    command -v chromium >/dev/null || return 0
    [ -x /usr/bin/time ] || return 0
    return 1
}

if missing_system; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    echo "deps: installing Debian packages: ${packages[*]}"
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends "${packages[@]}" >/dev/null
fi

python=${PYTHON3:-python3}
venv=.venv
requirements=Tests/interop/requirements.txt
stamp=$venv/.requirements
if [ ! -x $venv/bin/python ] || ! cmp -s $requirements $stamp; then
    echo "deps: creating $venv from $requirements"
    if ! $python -m venv $venv 2>/dev/null; then
        if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
        DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq python3-venv >/dev/null
        $python -m venv $venv
    fi
    $venv/bin/pip install --quiet --disable-pip-version-check -r $requirements
    cp $requirements $stamp
fi
