#!/usr/bin/python3
"""A fake IP camera for the end-to-end tests: GStreamer's RTSP server (gst-rtsp-server through GObject
introspection) serving a live test pattern and a sine tone.

usage: rtsp_cam.py [--address 127.0.0.1] [--port 8554] [--path /cam] [--video h264|h265]
                   [--audio aac|opus|pcmu|pcma|none] [--size 640x360] [--fps 25]
                   [--user U --password P [--digest]] [--protocols tcp,udp]
       rtsp_cam.py --check     exits 0 when every GStreamer element the options need is installed

It prints one line "rtsp://... ready" once it listens, then "session play <n> <address>" and "session closed <n> <address>"
as clients come and go, and stops cleanly on SIGTERM or SIGINT.
"""
import argparse
import signal
import sys

ap = argparse.ArgumentParser()
ap.add_argument('--address', default='127.0.0.1')
ap.add_argument('--port', default='8554')
ap.add_argument('--path', default='/cam')
ap.add_argument('--video', default='h264', choices=['h264', 'h265'])
ap.add_argument('--audio', default='aac', choices=['aac', 'opus', 'pcmu', 'pcma', 'none'])
ap.add_argument('--size', default='640x360')
ap.add_argument('--fps', type=int, default=25)
ap.add_argument('--user')
ap.add_argument('--password')
ap.add_argument('--digest', action='store_true')
ap.add_argument('--protocols', default='tcp,udp', help='tcp, udp or tcp,udp')
ap.add_argument('--check', action='store_true')
a = ap.parse_args()

try:
    import gi
    gi.require_version('Gst', '1.0')
    gi.require_version('GstRtsp', '1.0')
    gi.require_version('GstRtspServer', '1.0')
    from gi.repository import Gst, GstRtsp, GstRtspServer, GLib
except (ImportError, ValueError) as e:
    sys.exit(f'GStreamer RTSP server bindings are missing: {e}')

Gst.init(None)

if a.check:
    needed = ['videotestsrc', 'videoconvert', 'x264enc', 'rtph264pay', 'audiotestsrc',
              'audioconvert', 'audioresample', 'avenc_aac', 'rtpmp4gpay', 'opusenc', 'rtpopuspay',
              'mulawenc', 'rtppcmupay', 'alawenc', 'rtppcmapay']
    missing = [n for n in needed if Gst.ElementFactory.find(n) is None]
    if missing:
        sys.exit('missing GStreamer elements: ' + ' '.join(missing))
    print('ok')
    sys.exit(0)

w, h = a.size.split('x')
raw_video = (f'videotestsrc is-live=true pattern=smpte ! video/x-raw,width={w},height={h},framerate={a.fps}/1 '
             f'! videoconvert ! video/x-raw,format=I420 ')
# One key frame a second (scenecut off, or the noisy pattern triggers more), parameter sets in-band every second.
video = {
    'h264': (f'! x264enc tune=zerolatency speed-preset=ultrafast bitrate=1000 key-int-max={a.fps} option-string=scenecut=0 '
             f'! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1'),
    'h265': (f'! x265enc tune=zerolatency speed-preset=ultrafast bitrate=1000 key-int-max={a.fps} '
             f'! rtph265pay name=pay0 pt=96 config-interval=1'),
}[a.video]
raw_audio = ' audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample '
audio = {
    'aac': raw_audio + '! audio/x-raw,rate=48000,channels=2 ! avenc_aac bitrate=128000 ! rtpmp4gpay name=pay1 pt=97',
    'opus': raw_audio + '! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=64000 ! rtpopuspay name=pay1 pt=111',
    'pcmu': raw_audio + '! audio/x-raw,rate=8000,channels=1 ! mulawenc ! rtppcmupay name=pay1 pt=0',
    'pcma': raw_audio + '! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1 pt=8',
    'none': '',
}[a.audio]

server = GstRtspServer.RTSPServer()
server.set_address(a.address)
server.set_service(a.port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(f'( {raw_video}{video}{audio} )')
factory.set_shared(True)  # one encoder shared by every client, as in a camera
protocols = GstRtsp.RTSPLowerTrans(0)
if 'tcp' in a.protocols:
    protocols |= GstRtsp.RTSPLowerTrans.TCP
if 'udp' in a.protocols:
    protocols |= GstRtsp.RTSPLowerTrans.UDP
factory.set_protocols(protocols)

if a.user:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, 'user')
    if a.digest:
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(a.user, a.password, token)
    else:
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(a.user, a.password), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role('user', 'media.factory.access', True)
    permissions.add_permission_for_role('user', 'media.factory.construct', True)
    factory.set_permissions(permissions)

# Sessions as a camera's web page would count them, for tests that check a camera is pulled once: a line
# "session play <n> <address>" when a client's PLAY is handled and one "session closed <n> <address>" when it goes, by
# TEARDOWN or by a dropped connection (a client killed sends no TEARDOWN; its socket closing ends the client all the same).
clients = {'next': 0}


def on_client(_server, client):
    clients['next'] += 1
    number = clients['next']
    address = client.get_connection().get_ip()
    state = {'played': False}

    def on_play(_client, _context):
        if not state['played']:  # a PLAY after a PAUSE is the same session
            state['played'] = True
            print(f'session play {number} {address}', flush=True)

    def on_gone(*_):
        if state['played']:  # a TEARDOWN then the connection closing is one session gone, not two
            state['played'] = False
            print(f'session closed {number} {address}', flush=True)

    client.connect('play-request', on_play)
    client.connect('teardown-request', on_gone)
    client.connect('closed', on_gone)


server.connect('client-connected', on_client)
server.get_mount_points().add_factory(a.path, factory)
if server.attach(None) == 0:
    sys.exit('could not bind the RTSP port')
loop = GLib.MainLoop()
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
mode = 'digest' if a.digest else 'basic' if a.user else 'none'
print(f'rtsp://{a.address}:{a.port}{a.path} ready (video={a.video}, audio={a.audio}, auth={mode})', flush=True)
loop.run()
