# The appliance in a container: build with the .NET SDK, run on the ASP.NET runtime with Debian's FFmpeg.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Api/Broadcast.Api.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# The base image's own listen setting, stated here next to EXPOSE: port 8080 on every interface. Override it with
# ASPNETCORE_HTTP_PORTS, or with ASPNETCORE_URLS (which then wins, as in any ASP.NET Core app).
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Hls__Root=/var/lib/broadcast/hls \
    Hls__WorkRoot=/var/lib/broadcast/run \
    State__KeyFile=/var/lib/broadcast/broadcast.key \
    Cluster__IdFile=/var/lib/broadcast/appliance-id
VOLUME /var/lib/broadcast
EXPOSE 8080/tcp 40000-40100/udp
ENTRYPOINT ["dotnet", "Broadcast.Api.dll"]
