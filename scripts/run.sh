#!/usr/bin/env bash
# Installs what the appliance needs (FFmpeg), builds it and starts it on the embedded default:
# in-memory state, no database. API and Swagger on http://localhost:8080 (override with BROADCAST_URLS).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_dotnet
ensure_command ffmpeg ffmpeg
ensure_web_packages
dotnet build src/Api/Broadcast.Api.csproj -c Release -nologo -v quiet
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
exec dotnet run --project src/Api/Broadcast.Api.csproj -c Release --no-build -- ${BROADCAST_URLS:+--urls "$BROADCAST_URLS"} "$@"
