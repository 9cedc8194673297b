// Watching a channel with mediasoup-client over the appliance's WebSocket signaling: a recv transport, a paused
// consumer per producer, resumed once the track exists (mediasoup's advice), and producers that come later consumed
// as they are announced. window.BroadcastWatch.watch(channel, video) → { close(), stats() }.
import { Device } from 'mediasoup-client';
import { openForChannel } from './signaling.js';
import { rtcConfiguration } from './ice.js';

async function watch(channel, video, { signed = '' } = {}) {
  const started = performance.now();
  const { signaling, routerRtpCapabilities } = await openForChannel(`/api/v1/signaling${signed}`, { channelId: channel });
  const device = new Device();
  await device.load({ routerRtpCapabilities });
  const created = await signaling.request('create-transport', { channelId: channel, direction: 'recv' }, 'transport-created');
  const rtc = await rtcConfiguration();
  const transport = device.createRecvTransport({
    id: created.id, iceParameters: created.iceParameters, iceCandidates: created.iceCandidates, dtlsParameters: created.dtlsParameters,
    iceServers: rtc.iceServers,
  });
  transport.on('connect', ({ dtlsParameters }, done, fail) => {
    signaling.request('connect-transport', { transportId: transport.id, dtlsParameters }, 'transport-connected').then(() => done(), fail);
  });

  const stream = new MediaStream();
  const consumers = new Map();
  const result = { firstFrameMs: undefined, frames: 0, consumers };
  const count = () => {
    result.frames++;
    if (result.firstFrameMs === undefined) result.firstFrameMs = performance.now() - started;
    video.requestVideoFrameCallback(count);
  };
  video.requestVideoFrameCallback(count);

  async function consume(producerId) {
    const data = await signaling.request('consume', { transportId: transport.id, producerId, rtpCapabilities: device.rtpCapabilities }, 'consumed');
    const consumer = await transport.consume({ id: data.id, producerId: data.producerId, kind: data.kind, rtpParameters: data.rtpParameters });
    consumers.set(consumer.id, consumer);
    stream.addTrack(consumer.track);
    video.srcObject = stream;
    video.play().catch(() => {});
    await signaling.request('resume-consumer', { consumerId: consumer.id }, 'consumer-resumed');
  }

  signaling.onEvent = (type, data) => {
    if (type === 'new-producer') consume(data.producerId).catch((e) => console.error(e));
    if (type === 'consumer-closed') {
      const consumer = consumers.get(data.consumerId);
      if (consumer) { stream.removeTrack(consumer.track); consumer.close(); consumers.delete(data.consumerId); }
    }
  };
  const { producers } = await signaling.request('get-producers', { channelId: channel }, 'producers');
  for (const producer of producers) await consume(producer.id);

  result.stats = async (kind) => {
    for (const consumer of consumers.values()) {
      if (consumer.kind !== kind) continue;
      let found = null;
      (await consumer.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') found = s; });
      return found && { packets: found.packetsReceived || 0, frames: found.framesDecoded || 0, nacks: found.nackCount || 0 };
    }
    return null;
  };
  result.close = () => { transport.close(); signaling.close(); };
  return result;
}

window.BroadcastWatch = { watch };
