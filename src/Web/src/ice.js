// The appliance's RTCConfiguration (GET /api/v1/webrtc-config): STUN and TURN servers with credentials minted for this
// page. Without it (an older appliance, an error) the browser uses its own defaults: on a LAN the appliance's ICE-lite
// candidates are enough. relay = true sends everything through TURN (to check a TURN server).
export async function rtcConfiguration({ relay = false } = {}) {
  let config = {};
  try {
    const response = await fetch('/api/v1/webrtc-config', { cache: 'no-store' });
    if (response.ok) {
      const body = await response.json();
      config = { iceServers: body.iceServers, bundlePolicy: body.bundlePolicy, rtcpMuxPolicy: body.rtcpMuxPolicy };
    }
  } catch (error) {
    console.warn(`webrtc-config: ${error.message}`);
  }
  if (relay) config.iceTransportPolicy = 'relay';
  return config;
}
