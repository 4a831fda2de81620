#!/usr/bin/env bash
# Installs Neovim from Debian (0.7.2 on bookworm) for the Neovim LSP client test (test/neovim).
# Idempotent: does nothing when nvim is already on PATH. Needs root (or sudo) and apt-get.
set -euo pipefail

if command -v nvim >/dev/null 2>&1; then
  echo "nvim already installed: $(nvim --version | head -n 1)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get not found: install Neovim (>= 0.7) with your system's package manager" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "run as root (or install sudo) to install neovim" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Try without refreshing the package lists first; refresh only if the package is not known yet.
if ! $SUDO apt-get install -y --no-install-recommends neovim; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends neovim
fi

nvim --version | head -n 1
