#!/bin/sh
# Installs the gateway binary from a GitHub release:
#
#   curl -fsSL https://raw.githubusercontent.com/gateway-dev/gateway/main/install.sh | sh
#
# Picks the asset for this machine (Linux or macOS, x64 or arm64), checks it against the
# release's SHA256SUMS (nothing is installed unless it matches) and puts it in the first of:
# $GATEWAY_INSTALL_DIR, /usr/local/bin when writable, ~/.local/bin.
#
#   GATEWAY_VERSION       a release tag such as v0.1.0 (default: the latest release)
#   GATEWAY_REPO          owner/name of the GitHub repository to download from
#   GATEWAY_DOWNLOAD_URL  base URL holding the assets and SHA256SUMS (mirrors, tests)
#   GATEWAY_INSTALL_DIR   where to put the binary
set -eu

# The one place the repository is named.
DEFAULT_REPO="gateway-dev/gateway"

say() { printf '%s\n' "$*"; }
die() {
  printf 'gateway install: %s\n' "$*" >&2
  exit 1
}

repo="${GATEWAY_REPO:-$DEFAULT_REPO}"
version="${GATEWAY_VERSION:-latest}"

detect_asset() {
  os=$(uname -s)
  arch=$(uname -m)
  case "$os" in
    Linux) os=linux ;;
    Darwin)
      os=darwin
      # An x64 shell under Rosetta on Apple silicon: the native binary is the better choice.
      if [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
        arch=arm64
      fi
      ;;
    MINGW* | MSYS* | CYGWIN* | Windows*)
      die "this script installs on Linux and macOS; on Windows download gateway-windows-x64.exe" \
        "from https://github.com/$repo/releases and put it on your PATH"
      ;;
    *)
      die "no release binary for $os; prebuilt: Linux and macOS (x64, arm64) and Windows x64" \
        "(gateway-windows-x64.exe, from https://github.com/$repo/releases); or run from source"
      ;;
  esac
  case "$arch" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no release binary for $os on $arch; prebuilt: x64 and arm64 (or run from source)" ;;
  esac
  say "gateway-$os-$arch"
}

base_url() {
  if [ -n "${GATEWAY_DOWNLOAD_URL:-}" ]; then
    say "${GATEWAY_DOWNLOAD_URL%/}"
  elif [ "$version" = latest ]; then
    say "https://github.com/$repo/releases/latest/download"
  else
    case "$version" in
      v*) say "https://github.com/$repo/releases/download/$version" ;;
      *) say "https://github.com/$repo/releases/download/v$version" ;;
    esac
  fi
}

download() { # URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 2 -o "$2" "$1" || die "could not download $1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "could not download $1"
  else
    die "curl or wget is needed to download $1"
  fi
}

sha256_of() { # FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{print $1}'
  else
    die "sha256sum or shasum is needed to verify the download; nothing was installed"
  fi
}

pick_dir() {
  if [ -n "${GATEWAY_INSTALL_DIR:-}" ]; then
    say "$GATEWAY_INSTALL_DIR"
  elif [ -d /usr/local/bin ] && [ -w /usr/local/bin ]; then
    say /usr/local/bin
  else
    [ -n "${HOME:-}" ] || die "HOME is not set; choose a directory with GATEWAY_INSTALL_DIR"
    say "$HOME/.local/bin"
  fi
}

asset=$(detect_asset)
url=$(base_url)
tmp=$(mktemp -d 2>/dev/null || mktemp -d -t gateway-install)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

say "Downloading $asset from $url"
download "$url/SHA256SUMS" "$tmp/SHA256SUMS"
# sha256sum lines: "<hex>  <name>" (or "<hex> *<name>" in binary mode).
expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print tolower($1); exit }' \
  "$tmp/SHA256SUMS")
[ -n "$expected" ] || die "$asset is not listed in SHA256SUMS at $url; refusing to install it"
download "$url/$asset" "$tmp/$asset"
actual=$(sha256_of "$tmp/$asset" | tr 'A-F' 'a-f')
if [ "$actual" != "$expected" ]; then
  die "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual;" \
    "nothing was installed"
fi
say "Checksum verified ($expected)"

dir=$(pick_dir)
mkdir -p "$dir" || die "cannot create $dir; choose another with GATEWAY_INSTALL_DIR"
target="$dir/gateway"
# Copy next to the target, then rename: a running gateway is never half-overwritten.
cp "$tmp/$asset" "$dir/.gateway.install.$$" || die "cannot write to $dir; try GATEWAY_INSTALL_DIR"
chmod +x "$dir/.gateway.install.$$"
mv -f "$dir/.gateway.install.$$" "$target" || die "cannot replace $target"

say "Installed $target"
"$target" --version || die "$target was installed but does not run on this machine"
case ":${PATH:-}:" in
  *":$dir:"*) ;;
  *)
    say ""
    say "$dir is not on your PATH. Add it, e.g. in ~/.profile:"
    say "  export PATH=\"$dir:\$PATH\""
    ;;
esac
