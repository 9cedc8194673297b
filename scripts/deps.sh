# Sourced by run.sh and test.sh: installs Debian packages the appliance or its tests need, when missing.
# As root it installs them with apt-get; otherwise it prints the exact command and stops.

# ensure_command <command> <debian package>...
ensure_command() {
  local command=$1; shift
  if command -v "$command" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing $* (for $command) from Debian's packages..."
    if [ -z "${BROADCAST_APT_UPDATED:-}" ]; then
      apt-get update -qq
      BROADCAST_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    command -v "$command" >/dev/null 2>&1 && return 0
  fi
  echo "error: '$command' is missing. Install it with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y $*" >&2
  exit 1
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK is missing: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
    exit 1
  fi
}

# ensure_web_packages: the browser pages' npm packages (hls.js, mediasoup-client, esbuild) installed from the lock
# file, and the publisher script bundled.
ensure_web_packages() {
  if [ ! -f src/Web/node_modules/hls.js/dist/hls.min.js ] || [ ! -f src/Web/node_modules/mediasoup-client/package.json ]; then
    ensure_command npm nodejs npm
    (cd src/Web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd src/Web && npm run --silent build >/dev/null)
}
