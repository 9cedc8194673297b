#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (FFmpeg, Chromium, the GStreamer RTSP camera, PostgreSQL 15's
# server binaries, Prometheus, coturn) when missing, builds, runs every test project,
# prints its wall time and ends with one summary line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
. scripts/deps.sh
ensure_dotnet
ensure_command ffmpeg ffmpeg
ensure_command ffprobe ffmpeg
ensure_command chromium chromium      # browser tests: the viewer page (hls.js) in headless Chromium
ensure_rtsp_camera
ensure_whep_player
ensure_postgres_server
ensure_prometheus                     # the metrics test: a real Prometheus scrapes /metrics
ensure_coturn                         # the TURN test: a browser publishes through a real coturn
ensure_web_packages
dotnet build Broadcast.sln -c Release -nologo -v quiet
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# The unit and component projects side by side, then the end-to-end project alone: its figures (glass-to-glass
# latency, failover) measure the appliance on a 2-core machine, not the other test runs beside it.
dotnet test Broadcast.sln -c Release --no-build -nologo --filter "FullyQualifiedName!~Broadcast.E2E.Tests" 2>&1 | tee "$log" || status=$?
dotnet test tests/Broadcast.E2E.Tests -c Release --no-build -nologo 2>&1 | tee -a "$log" || status=$?
# dotnet test prints one "Passed!/Failed! - Failed: F, Passed: P, ..." line per test assembly: add them up.
summary=$(awk -F'[:,]' '/ - Failed: *[0-9]+, Passed: *[0-9]+/ {
    for (i = 1; i <= NF; i++) { if ($i ~ /Failed$/) f += $(i+1); if ($i ~ /Passed$/) p += $(i+1) }
  } END { printf "%d passed, %d failed\n", p, f }' "$log")
echo "test.sh wall time: $((SECONDS - started)) s (installs, build and tests)"
echo "$summary"
exit $status
