# Sourced by run.sh and test.sh: installs Debian packages the appliance or its tests need, when missing.
# As root it installs them with apt-get; otherwise it prints the exact command and stops.

# ensure_command <command> <debian package>...
ensure_command() {
  local command=$1; shift
  ensure_check "'$command'" "command -v '$command'" "$@"
}

# ensure_check <what> <check> <debian package>...: for packages that provide no command of their own (Python
# bindings, GStreamer plugins). <check> is a shell command that succeeds once <what> is usable.
ensure_check() {
  local what=$1 check=$2; shift 2
  if bash -c "$check" >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing $* (for $what) from Debian's packages..."
    if [ -z "${BROADCAST_APT_UPDATED:-}" ]; then
      apt-get update -qq
      BROADCAST_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    bash -c "$check" >/dev/null 2>&1 && return 0
  fi
  echo "error: $what is missing. Install it with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y $*" >&2
  exit 1
}

# ensure_rtsp_camera: GStreamer's RTSP server with its Python bindings and the encoders the end-to-end tests' fake
# cameras use (H.264, AAC, Opus, G.711). Debian's own python3 has the gi module; a python3 of pyenv or a venv may not.
ensure_rtsp_camera() {
  ensure_check "the RTSP test camera (GStreamer RTSP server for /usr/bin/python3)" \
    "/usr/bin/python3 tests/Broadcast.E2E.Tests/Cameras/rtsp_cam.py --check" \
    python3 python3-gi python3-gst-1.0 gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools gstreamer1.0-plugins-base \
    gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav
}

# ensure_whep_player: the end-to-end tests' GStreamer WHEP player (webrtcbin as whepsrc sets it up): GstWebRTC's
# Python bindings and libnice for webrtcbin, besides the camera's packages.
ensure_whep_player() {
  ensure_check "the GStreamer WHEP test player (webrtcbin for /usr/bin/python3)" \
    "/usr/bin/python3 tests/Broadcast.E2E.Tests/Viewers/whep_gst.py --check" \
    python3-gi python3-gst-1.0 gir1.2-gst-plugins-bad-1.0 gstreamer1.0-nice gstreamer1.0-plugins-bad \
    gstreamer1.0-plugins-good gstreamer1.0-libav
}

# ensure_postgres_server: PostgreSQL 15's server binaries. The state tests start throwaway clusters of their own
# (tests/Shared/PostgresCluster.cs) with initdb and pg_ctl from /usr/lib/postgresql/15/bin; no running server is used.
ensure_postgres_server() {
  ensure_check "PostgreSQL 15 (initdb, pg_ctl) for the state tests" "test -x /usr/lib/postgresql/15/bin/initdb" postgresql-15
}

# ensure_prometheus: Prometheus, which an end-to-end test runs with a configuration of its own to scrape the appliance's
# /metrics; the package's service is not used.
ensure_prometheus() {
  ensure_command prometheus prometheus
}

# ensure_coturn: the TURN server an end-to-end test runs on loopback (its own arguments; the package's service is not used).
ensure_coturn() {
  ensure_command turnserver coturn
}

# ensure_nginx_rtmp: nginx with Debian's RTMP module, the baseline of the per-channel cost tool (`load-channels`).
# The tool runs its own nginx in the foreground with a configuration of its own; the package's service is not used.
ensure_nginx_rtmp() {
  ensure_check "nginx with the RTMP module" \
    "command -v nginx && test -f /usr/lib/nginx/modules/ngx_rtmp_module.so" nginx libnginx-mod-rtmp
}

ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET 10 SDK is missing: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
    exit 1
  fi
}

# ensure_web_packages: the browser pages' npm packages (hls.js, mediasoup-client, esbuild) installed from the lock
# file, and the page scripts (publisher, mediasoup-client viewer) bundled.
ensure_web_packages() {
  if [ ! -f src/Web/node_modules/hls.js/dist/hls.min.js ] || [ ! -f src/Web/node_modules/mediasoup-client/package.json ]; then
    ensure_command npm nodejs npm
    (cd src/Web && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd src/Web && npm run --silent build >/dev/null)
}
