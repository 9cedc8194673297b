#!/usr/bin/env bash
# Installs what the appliance needs (FFmpeg), builds it and starts it on the embedded default:
# in-memory state, no database. API and Swagger on http://localhost:8080; elsewhere with ASPNETCORE_URLS,
# ASPNETCORE_HTTP_PORTS or `--urls <url>` as with any ASP.NET Core app (BROADCAST_URLS is passed as --urls).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
ensure_dotnet
ensure_command ffmpeg ffmpeg
ensure_web_packages
dotnet build src/Api/Broadcast.Api.csproj -c Release -nologo -v quiet
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
exec dotnet run --project src/Api/Broadcast.Api.csproj -c Release --no-build -- ${BROADCAST_URLS:+--urls "$BROADCAST_URLS"} "$@"
