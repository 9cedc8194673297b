// Glass-to-glass latency read from the pictures themselves. The publisher (TimestampedPublisher.cs) writes the
// wall-clock time each frame was made into its top band, 2 rows of 40 black and white blocks (TimestampCode.cs has
// the layout). For every frame a viewer's video element presents (requestVideoFrameCallback), this page copies the
// band to a canvas, reads each block (BT.601 luma against mid-range, majority of the middle half of the block),
// checks the markers and the CRC, and records the frame's age. Publisher and browser run on one machine: one clock.
//
// Ages recorded per read frame, in ms:
//   display  - when the frame is expected on screen (metadata.expectedDisplayTime) minus when it was made: the
//              glass-to-glass figure. Put on the wall clock as Date.now() + (expectedDisplayTime - performance.now()),
//              read together, so the two clocks' drift since the page loaded plays no part.
//   callback - Date.now() in the callback minus when it was made (the callback runs as the frame is composited).
//   receive  - WebRTC only: when the frame's last packet arrived (metadata.receiveTime) minus when it was made:
//              publisher, FFmpeg and the appliance, without the browser's jitter buffer, decoding and rendering.
// A frame whose code does not read is a null in `display` (counted, never given an age); a picture presented again
// (the same counter as the last one read) is counted in `repeats` and not aged twice.
//
// window.startRtc(whepUrl) watches over WHEP with a bare RTCPeerConnection; window.startHls(playlistUrl) with hls.js
// and its default settings. Each fills window.latency.rtc or window.latency.hls; joinMs is from the call to the
// first presented frame.
(() => {
  const COLUMNS = 40;
  const ROWS = 2;
  const START = 0xa5;
  const END = 0x5a;

  window.latency = {};

  // CRC-8/SMBUS: polynomial 0x07, initial value 0, over bytes[from, to).
  function crc8(bytes, from, to) {
    let crc = 0;
    for (let i = from; i < to; i++) {
      crc ^= bytes[i];
      for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
    return crc;
  }

  // The code in RGBA pixels of the band (width pixels wide); null unless the markers and the CRC check out.
  function read(rgba, width) {
    const block = Math.floor(width / COLUMNS);
    if (block < 2) return null;
    const margin = Math.floor(block / 4);
    const size = block - 2 * margin;
    const bytes = new Uint8Array(10);
    for (let bit = 0; bit < COLUMNS * ROWS; bit++) {
      const x0 = (bit % COLUMNS) * block + margin;
      const y0 = Math.floor(bit / COLUMNS) * block + margin;
      let bright = 0;
      for (let y = y0; y < y0 + size; y++) {
        for (let x = x0, i = (y * width + x0) * 4; x < x0 + size; x++, i += 4) {
          if (rgba[i] * 299 + rgba[i + 1] * 587 + rgba[i + 2] * 114 >= 128000) bright++;
        }
      }
      if (2 * bright > size * size) bytes[bit >> 3] |= 0x80 >> (bit & 7);
    }
    if (bytes[0] !== START || bytes[9] !== END || bytes[8] !== crc8(bytes, 1, 8)) return null;
    let ms = 0;
    for (let i = 1; i <= 6; i++) ms = ms * 256 + bytes[i]; // 48 bits: exact in a double
    return { ms, counter: bytes[7] };
  }

  function addVideo() {
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    document.body.appendChild(video);
    return video;
  }

  function watch(name, video, startedAt) {
    const stats = { joinMs: null, frames: 0, read: 0, repeats: 0, display: [], callback: [], receive: [], gaps: 0, width: 0, error: null };
    window.latency[name] = stats;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    let lastCounter = null;
    const onFrame = (_, metadata) => {
      const wall = Date.now();
      const now = performance.now();
      if (stats.joinMs === null) stats.joinMs = now - startedAt;
      stats.frames++;
      const width = video.videoWidth;
      const band = ROWS * Math.floor(width / COLUMNS);
      stats.width = width;
      if (canvas.width !== width || canvas.height !== band) {
        canvas.width = width;
        canvas.height = band;
      }
      let code = null;
      if (band > 0) {
        context.drawImage(video, 0, 0, width, band, 0, 0, width, band);
        code = read(context.getImageData(0, 0, width, band).data, width);
      }
      if (code === null) {
        stats.display.push(null);
      } else if (code.counter === lastCounter) {
        stats.repeats++; // the picture already counted, presented again: its age says nothing new
      } else {
        stats.read++;
        stats.display.push(wall + (metadata.expectedDisplayTime - now) - code.ms);
        stats.callback.push(wall - code.ms);
        if (metadata.receiveTime !== undefined) stats.receive.push(wall + (metadata.receiveTime - now) - code.ms);
        // Frames made between two read ones that this viewer did not show (or could not read).
        if (lastCounter !== null) stats.gaps += (code.counter - lastCounter + 255) % 256;
        lastCounter = code.counter;
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    return stats;
  }

  // WHEP as the draft describes it: a recvonly transceiver, a complete offer (the appliance is ICE-lite and takes no
  // trickle), POST, the answer. Resolves to WHEP's status.
  window.startRtc = async (url) => {
    const startedAt = performance.now();
    const video = addVideo();
    const stats = watch('rtc', video, startedAt);
    const pc = new RTCPeerConnection();
    window.latencyPc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (e) => { video.srcObject = new MediaStream([e.track]); video.play().catch(() => {}); };
    const step = (name) => { stats.steps[name] = Math.round(performance.now() - startedAt); };
    stats.steps = {};
    pc.addEventListener('connectionstatechange', () => step(pc.connectionState));
    await pc.setLocalDescription(await pc.createOffer());
    step('offer');
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 1000);
    });
    step(pc.iceGatheringState === 'complete' ? 'gathered' : 'gatheringCutShort');
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
    if (response.status !== 201) {
      stats.error = `WHEP ${response.status}: ${await response.text()}`;
      return response.status;
    }
    step('answer');
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    return response.status;
  };

  // What Chromium says about the WebRTC video it received, for the report and for debugging a silent viewer.
  window.rtcStats = async () => {
    let found = null;
    (await window.latencyPc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') found = s; });
    if (!found) return null;
    const perFrame = (total, count) => (count ? (1000 * total) / count : null);
    return {
      packetsReceived: found.packetsReceived || 0, packetsLost: found.packetsLost || 0, framesDecoded: found.framesDecoded || 0,
      framesDropped: found.framesDropped || 0, nackCount: found.nackCount || 0, pliCount: found.pliCount || 0,
      jitterBufferMs: perFrame(found.jitterBufferDelay, found.jitterBufferEmittedCount),
      jitterBufferTargetMs: perFrame(found.jitterBufferTargetDelay, found.jitterBufferEmittedCount),
      decodeMs: perFrame(found.totalDecodeTime, found.framesDecoded),
    };
  };

  // hls.js with its default settings, as a player would embed it (name: where the figures go; config: hls.js settings
  // other than the defaults, such as { lowLatencyMode: false } for a player without LL-HLS).
  window.latencyHls = {};
  window.startHls = (url, name = 'hls', config = {}) => {
    const startedAt = performance.now();
    const video = addVideo();
    const stats = watch(name, video, startedAt);
    const hls = new Hls(config);
    window.latencyHls[name] = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch(() => {}));
    hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) stats.error = `hls.js: ${data.details}`; });
    hls.loadSource(url);
    hls.attachMedia(video);
  };

  window.hlsStats = (name = 'hls') => {
    const hls = window.latencyHls[name];
    return hls ? { latencyMs: 1000 * (hls.latency || 0), targetLatencyMs: 1000 * (hls.targetLatency || 0) } : null;
  };
})();
