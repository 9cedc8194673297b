// Publisher page: camera and microphone → the appliance, with mediasoup-client over WebSocket signaling or with a
// bare RTCPeerConnection over WHIP. Shows connection state, sent bitrate and the HLS/viewer links.
import { Device } from 'mediasoup-client';
import { openForChannel } from './signaling.js';
import { rtcConfiguration } from './ice.js';

const $ = (id) => document.getElementById(id);
const state = { stream: null, stop: null, statsTimer: null, lastBytes: 0, lastTime: 0 };

function log(text) {
  $('state').textContent = text;
  console.log(`publisher: ${text}`);
}

async function listDevices() {
  // Labels are only visible once the page has been granted access.
  const probe = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  probe.getTracks().forEach((t) => t.stop());
  const devices = await navigator.mediaDevices.enumerateDevices();
  for (const [kind, select] of [['videoinput', $('camera')], ['audioinput', $('microphone')]]) {
    select.innerHTML = '';
    for (const d of devices.filter((x) => x.kind === kind)) {
      select.add(new Option(d.label || d.deviceId, d.deviceId));
    }
  }
}

async function capture() {
  return navigator.mediaDevices.getUserMedia({
    video: { deviceId: $('camera').value || undefined, width: 1280, height: 720, frameRate: 30 },
    audio: { deviceId: $('microphone').value || undefined },
  });
}

function showLinks(channel) {
  const hls = `${location.origin}/hls/${encodeURIComponent(channel)}/index.m3u8`;
  $('hls').href = hls;
  $('hls').textContent = hls;
  $('viewer').href = `${location.origin}/viewer.html?channel=${encodeURIComponent(channel)}`;
}

function watchBitrate(getStats) {
  state.lastBytes = 0;
  state.lastTime = 0;
  state.statsTimer = setInterval(async () => {
    const report = await getStats();
    let bytes = 0;
    let target = 0;
    report.forEach((s) => {
      if (s.type !== 'outbound-rtp') return;
      bytes += s.bytesSent;
      if (s.targetBitrate) target += s.targetBitrate; // the encoder's target: what bandwidth estimation allows
    });
    const now = performance.now();
    if (state.lastTime) {
      const kbps = ((bytes - state.lastBytes) * 8) / (now - state.lastTime);
      $('bitrate').textContent = `${kbps.toFixed(0)} kbit/s (target ${(target / 1000).toFixed(0)})`;
      window.publisherStats = { kbps, targetKbps: target / 1000, bytesSent: bytes };
    }
    state.lastBytes = bytes;
    state.lastTime = now;
  }, 1000);
}

// mediasoup-client: the seed's request/response pairs over WebSocket. The publish token goes in the data of the
// requests that name the channel (never in the URL, which servers and proxies log).
async function publishWithMediasoup(channel, codecName, stream, token, rtc) {
  const channelData = token ? { channelId: channel, token } : { channelId: channel };
  const { signaling, routerRtpCapabilities } = await openForChannel(`/api/v1/signaling?channel=${encodeURIComponent(channel)}`, channelData);
  const device = new Device();
  await device.load({ routerRtpCapabilities });
  const params = await signaling.request('createProducerTransport', channelData, 'producerTransportCreated');
  const transport = device.createSendTransport({ ...params, iceServers: rtc.iceServers, iceTransportPolicy: rtc.iceTransportPolicy });
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    signaling.request('connectProducerTransport', { transportId: transport.id, dtlsParameters }, 'producerConnected')
      .then(() => callback(), errback);
  });
  transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
    signaling.request('produce', { transportId: transport.id, kind, rtpParameters }, 'produced')
      .then(({ id }) => callback({ id }), errback);
  });
  transport.on('connectionstatechange', (s) => log(`connection ${s}`));

  const codec = device.rtpCapabilities.codecs.find((c) => c.mimeType.toLowerCase() === `video/${codecName.toLowerCase()}`);
  const video = stream.getVideoTracks()[0];
  const audio = stream.getAudioTracks()[0];
  if (video) await transport.produce({ track: video, codec });
  if (audio) await transport.produce({ track: audio });
  watchBitrate(() => transport.getStats());
  return async () => { transport.close(); signaling.close(); };
}

// WHIP (RFC 9725): one offer, one answer; DELETE on the session URL ends it.
async function publishWithWhip(channel, codecName, stream, token, rtc) {
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', ...rtc });
  pc.onconnectionstatechange = () => log(`connection ${pc.connectionState}`);
  for (const track of stream.getTracks()) {
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    if (track.kind === 'video' && RTCRtpSender.getCapabilities) {
      const codecs = RTCRtpSender.getCapabilities('video').codecs;
      const preferred = codecs.filter((c) => c.mimeType.toLowerCase() === `video/${codecName.toLowerCase()}`);
      if (preferred.length) transceiver.setCodecPreferences([...preferred, ...codecs.filter((c) => !preferred.includes(c))]);
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  const headers = { 'Content-Type': 'application/sdp' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`/whip/${encodeURIComponent(channel)}`, { method: 'POST', headers, body: pc.localDescription.sdp });
  if (response.status !== 201) throw new Error(`WHIP: ${response.status} ${await response.text()}`);
  // Relative to where the offer was answered: another appliance when this one sent us to the channel's owner (307).
  const session = new URL(response.headers.get('Location'), response.url);
  await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
  watchBitrate(() => pc.getStats());
  return async () => { pc.close(); await fetch(session, { method: 'DELETE', headers }); };
}

async function start() {
  const channel = $('channel').value.trim();
  if (!channel) { log('choose a channel'); return; }
  $('start').disabled = true;
  try {
    state.stream = await capture();
    $('preview').srcObject = state.stream;
    showLinks(channel);
    log('connecting…');
    const rtc = await rtcConfiguration({ relay: $('relay').checked });
    state.stop = $('mode').value === 'whip'
      ? await publishWithWhip(channel, $('codec').value, state.stream, $('token').value.trim(), rtc)
      : await publishWithMediasoup(channel, $('codec').value, state.stream, $('token').value.trim(), rtc);
    $('stop').disabled = false;
  } catch (error) {
    log(`failed: ${error.message}`);
    $('start').disabled = false;
  }
}

async function stop() {
  clearInterval(state.statsTimer);
  if (state.stop) await state.stop();
  if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
  state.stop = null;
  $('stop').disabled = true;
  $('start').disabled = false;
  log('stopped');
}

const query = new URLSearchParams(location.search);
$('channel').value = query.get('channel') || '';
if (query.get('codec')) $('codec').value = query.get('codec');
if (query.get('mode')) $('mode').value = query.get('mode');
$('relay').checked = query.get('relay') === '1';
$('start').addEventListener('click', start);
$('stop').addEventListener('click', stop);
listDevices().catch((e) => log(`no camera or microphone: ${e.message}`));
window.publish = start; // for automated browsers
window.unpublish = stop;
