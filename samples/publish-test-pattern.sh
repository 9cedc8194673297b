#!/usr/bin/env bash
# Creates a channel over the REST API, publishes an FFmpeg test pattern (H.264 + Opus) into it over plain RTP,
# and prints the HLS URL. Needs a running appliance (scripts/run.sh), curl, python3 and ffmpeg.
# usage: [API_KEY=<one of API_KEYS>] samples/publish-test-pattern.sh [channel-id] [api-base-url]   (Ctrl-C stops the publisher)
# Without API_KEY it works from the appliance's own machine on the embedded default (no credentials configured).
set -euo pipefail
channel=${1:-demo}
api=${2:-http://127.0.0.1:8080}
host=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).hostname)' "$api")
auth=(-H "X-Api-Key: ${API_KEY:-}")
[ -n "${API_KEY:-}" ] || auth=()

post() { curl -fsS -X POST "${auth[@]}" -H 'Content-Type: application/json' -d "$2" "$api/api/v1/mediasoup/$1"; }
field() { python3 -c 'import json, sys; d = json.load(sys.stdin)
for k in sys.argv[1].split("."): d = d[k]
print(d)' "$1"; }

# A channel is a router; each stream gets a comedia plain transport (the first packet fixes the sender's address)
# with RTCP on its own port, as FFmpeg sends it.
curl -fsS -X DELETE "${auth[@]}" "$api/api/v1/mediasoup/router/$channel" >/dev/null 2>&1 || true
post router "{\"router_id\": \"$channel\"}" >/dev/null
video=$(post "router/$channel/rtp-transport" '{"rtcpMux": false, "comedia": true}')
audio=$(post "router/$channel/rtp-transport" '{"rtcpMux": false, "comedia": true}')
vid=$(echo "$video" | field id); vport=$(echo "$video" | field tuple.localPort); vrtcp=$(echo "$video" | field rtcpTuple.localPort)
aid=$(echo "$audio" | field id); aport=$(echo "$audio" | field tuple.localPort); artcp=$(echo "$audio" | field rtcpTuple.localPort)

# The producers describe exactly what FFmpeg sends: payload types and SSRCs below match its -payload_type/-ssrc.
post "transport/$vid/producer" '{"kind": "video", "rtpParameters": {"codecs": [{"mimeType": "video/H264", "payloadType": 96,
  "clockRate": 90000, "parameters": {"packetization-mode": 1, "profile-level-id": "42e01f"}}], "encodings": [{"ssrc": 286331153}]}}' >/dev/null
post "transport/$aid/producer" '{"kind": "audio", "rtpParameters": {"codecs": [{"mimeType": "audio/opus", "payloadType": 111,
  "clockRate": 48000, "channels": 2}], "encodings": [{"ssrc": 572662306}]}}' >/dev/null

echo "HLS:    $api/hls/$channel/index.m3u8"
echo "Viewer: $api/viewer.html?channel=$channel"
echo "Status: $api/api/v1/channels/$channel/hls"
# Baseline H.264 with a 1 s GOP (FFmpeg's RTP muxer answers no PLI) and SPS/PPS before every key frame.
exec ffmpeg -hide_banner -loglevel warning -nostdin \
  -re -f lavfi -i "testsrc2=size=1280x720:rate=30" -re -f lavfi -i "sine=frequency=440:sample_rate=48000" \
  -map 0:v -c:v libx264 -profile:v baseline -preset veryfast -tune zerolatency -pix_fmt yuv420p \
     -g 30 -keyint_min 30 -sc_threshold 0 -b:v 2M -maxrate 2M -bufsize 1M -bsf:v dump_extra \
     -payload_type 96 -ssrc 286331153 -f rtp "rtp://$host:$vport?rtcpport=$vrtcp&pkt_size=1200" \
  -map 1:a -c:a libopus -b:a 64k -ac 2 -ar 48000 \
     -payload_type 111 -ssrc 572662306 -f rtp "rtp://$host:$aport?rtcpport=$artcp&pkt_size=1200"
