#!/usr/bin/env python3
"""A webhook receiver for Broadcast that checks each request's signature before trusting it.

    python3 samples/webhook-receiver.py --port 9000 --secret 'the endpoint secret'

and configure the appliance with Webhooks__Endpoints__0__Url=http://<this host>:9000/hook and the same secret.
X-Broadcast-Signature is "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, '<t>.' + body)>": the receiver recomputes it,
compares in constant time, and refuses requests older than five minutes (a replay). It answers 204 to good requests,
401 to the others, and prints one JSON line per event it accepted.
"""
import argparse
import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(secret: bytes, header: str, body: bytes, now: float) -> bool:
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields.get("v1", ""))


def handler(secret: bytes):
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not verify(secret, self.headers.get("X-Broadcast-Signature", ""), body, time.time()):
                self.send_response(401)
                self.end_headers()
                return
            event = json.loads(body)
            print(json.dumps({"verified": True, "type": event["type"], "channelId": event["channelId"],
                              "delivery": self.headers.get("X-Broadcast-Delivery"), "data": event["data"]}), flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format, *args):
            pass  # one line per event on stdout is the output

    return Receiver


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.bind, args.port), handler(args.secret.encode()))
    print(json.dumps({"listening": f"http://{args.bind}:{server.server_address[1]}/hook"}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
