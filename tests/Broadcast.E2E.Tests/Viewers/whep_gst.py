#!/usr/bin/python3
"""A WHEP player built like GStreamer's whepsrc: webrtcbin with bundle-policy max-bundle (so every section but the
first is offered at port 0 with a=bundle-only), a recvonly Opus transceiver then a recvonly video one (H.264, VP8),
the complete offer POSTed as application/sdp, the answer set, the media decoded.

--check exits 0 when everything it needs is installed. Prints one JSON object per line: {"status": ..., "location": ...} after the POST, then the counts when it stops:
{"videoFrames", "audioBuffers", "width", "height", "firstFrameAfterPostMs"}. Exits 0 once --frames video frames and
some audio were decoded, 1 on error or timeout. Needs Debian's python3-gi, gir1.2-gst-plugins-bad-1.0 (GstWebRTC),
gstreamer1.0-nice and the GStreamer plugins (good, bad, libav).
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request

import gi

try:
    gi.require_version("Gst", "1.0")
    gi.require_version("GstWebRTC", "1.0")
    gi.require_version("GstSdp", "1.0")
    from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402
except (ImportError, ValueError) as missing:
    print(json.dumps({"error": f"GStreamer's Python bindings: {missing}"}), flush=True)
    sys.exit(1)

ELEMENTS = ["webrtcbin", "nicesrc", "rtph264depay", "h264parse", "avdec_h264", "rtpvp8depay", "vp8dec", "rtpopusdepay",
            "opusdec", "fakesink", "queue"]

AUDIO_CAPS = "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000,encoding-params=(string)2"
FEEDBACK = "rtcp-fb-nack=(boolean)true,rtcp-fb-nack-pli=(boolean)true,rtcp-fb-ccm-fir=(boolean)true"
VIDEO_CAPS = (
    "application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,packetization-mode=(string)1,"
    f"profile-level-id=(string)42e01f,level-asymmetry-allowed=(string)1,{FEEDBACK};"
    f"application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000,{FEEDBACK}"
)


def emit(**values):
    print(json.dumps(values), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--url")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()

    Gst.init(None)
    missing = [name for name in ELEMENTS if Gst.ElementFactory.find(name) is None]
    if args.check or missing:
        if missing:
            emit(error=f"missing GStreamer elements: {', '.join(missing)}")
        return 1 if missing else 0
    if not args.url:
        parser.error("--url is required")
    pipeline = Gst.Pipeline()
    webrtc = Gst.ElementFactory.make("webrtcbin")
    webrtc.set_property("bundle-policy", GstWebRTC.WebRTCBundlePolicy.MAX_BUNDLE)
    pipeline.add(webrtc)
    loop = GLib.MainLoop()
    state = {"video": 0, "audio": 0, "width": 0, "height": 0, "posted": 0.0, "first": None, "ok": None, "ice": "new", "connection": "new"}

    def finish(ok):
        if state["ok"] is not None:
            return False  # already finished (handoffs keep coming until the loop stops)
        state["ok"] = ok
        first = None if state["first"] is None else round((state["first"] - state["posted"]) * 1000)
        emit(videoFrames=state["video"], audioBuffers=state["audio"], width=state["width"], height=state["height"],
             firstFrameAfterPostMs=first, ice=state["ice"], connection=state["connection"])
        loop.quit()
        return False

    def on_video_frame(sink, buffer, pad):
        state["video"] += 1
        if state["first"] is None:
            state["first"] = time.monotonic()
            structure = pad.get_current_caps().get_structure(0)
            state["width"] = structure.get_value("width")
            state["height"] = structure.get_value("height")
        if state["video"] >= args.frames and state["audio"] > 0:
            GLib.idle_add(finish, True)

    def on_audio_buffer(sink, buffer, pad):
        state["audio"] += 1

    def on_pad_added(element, pad):
        if pad.direction != Gst.PadDirection.SRC:
            return
        structure = pad.get_current_caps().get_structure(0)
        media, encoding = structure.get_string("media"), structure.get_string("encoding-name").upper()
        chain = {
            "H264": "rtph264depay ! h264parse ! avdec_h264",
            "VP8": "rtpvp8depay ! vp8dec",
            "OPUS": "rtpopusdepay ! opusdec",
        }.get(encoding)
        if chain is None:
            emit(error=f"unexpected {media} encoding {encoding}")
            GLib.idle_add(finish, False)
            return
        branch = Gst.parse_bin_from_description(f"queue ! {chain} ! fakesink name=sink signal-handoffs=true sync=false", True)
        sink = branch.get_by_name("sink")
        if media == "video":
            sink.connect("handoff", on_video_frame)
        else:
            sink.connect("handoff", on_audio_buffer)
        pipeline.add(branch)
        branch.sync_state_with_parent()
        pad.link(branch.get_static_pad("sink"))

    def post(offer_text):
        request = urllib.request.Request(args.url, data=offer_text.encode(), method="POST",
                                         headers={"Content-Type": "application/sdp"})
        state["posted"] = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer_text = response.read().decode()
                emit(status=response.status, location=response.headers.get("Location"))
        except urllib.error.HTTPError as error:
            emit(status=error.code, body=error.read().decode())
            return finish(False)
        except urllib.error.URLError as error:
            emit(error=str(error.reason))
            return finish(False)
        _, answer = GstSdp.SDPMessage.new_from_text(answer_text)
        description = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, answer)
        webrtc.emit("set-remote-description", description, Gst.Promise.new())
        return False

    def on_gathering_state(element, _):
        if element.get_property("ice-gathering-state") == GstWebRTC.WebRTCICEGatheringState.COMPLETE and not state["posted"]:
            state["posted"] = -1.0
            GLib.idle_add(post, element.get_property("local-description").sdp.as_text())

    def on_offer(promise, _):
        reply = promise.get_reply()
        if reply is None or not reply.has_field("offer"):
            emit(error=f"no offer: {reply.to_string() if reply else None}")
            GLib.idle_add(finish, False)
            return
        offer = reply.get_value("offer")
        webrtc.emit("set-local-description", offer, Gst.Promise.new())

    def on_state(element, spec):
        key = "ice" if spec.name == "ice-connection-state" else "connection"
        state[key] = element.get_property(spec.name).value_nick

    webrtc.connect("notify::ice-connection-state", on_state)
    webrtc.connect("notify::connection-state", on_state)
    webrtc.connect("pad-added", on_pad_added)
    webrtc.connect("notify::ice-gathering-state", on_gathering_state)
    webrtc.emit("add-transceiver", GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, Gst.Caps.from_string(AUDIO_CAPS))
    webrtc.emit("add-transceiver", GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, Gst.Caps.from_string(VIDEO_CAPS))

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message::error", lambda _, message: (emit(error=str(message.parse_error()[0])), finish(False)))
    GLib.timeout_add(int(args.timeout * 1000), finish, False)
    pipeline.set_state(Gst.State.PLAYING)
    # After PLAYING, once both transceivers exist (negotiation-needed fires per transceiver, before that).
    webrtc.emit("create-offer", None, Gst.Promise.new_with_change_func(on_offer, None))
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return 0 if state["ok"] is True else 1


if __name__ == "__main__":
    sys.exit(main())
