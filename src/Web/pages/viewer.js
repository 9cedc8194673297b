// Plays a channel in real time over WHEP (POST /whep/<channel>) when it is live, else with hls.js from
// /hls/<channel>/index.m3u8, retrying until it appears. Mode "auto" falls back from real time to HLS when WHEP answers
// anything but 201 or the connection fails; "rtc" and "hls" force one. The stats line shows, for real time, bitrate,
// packets lost, jitter, round trip and the latency behind the appliance; for HLS, hls.js's live latency, the buffer and
// the stream's bitrate.
// A channel with signed URLs plays with the signed query in the page's URL: viewer.html?channel=<id>&expires=…&sig=…
// (from POST /api/v1/channels/<id>/hls-url); it is passed to WHEP and carried into the playlists.
(() => {
  const params = new URLSearchParams(location.search);
  const video = document.getElementById('video');
  const state = document.getElementById('state');
  const stats = document.getElementById('stats');
  const input = document.getElementById('channel');
  const modeSelect = document.getElementById('mode');
  let hls = null;
  let rtc = null; // { pc, location }
  let retry = null;
  let last = null; // previous getStats sample, for rates
  let fragments = []; // bytes and seconds of the last HLS segments loaded, for the stream's bitrate
  let generation = 0; // a newer play() abandons what an older one still awaits

  const show = (mode, text) => { state.dataset.mode = mode; state.textContent = text; };

  function signedQuery(channel) {
    return params.has('sig') && channel === params.get('channel')
      ? `?expires=${encodeURIComponent(params.get('expires') || '')}&sig=${encodeURIComponent(params.get('sig'))}` : '';
  }

  function stop() {
    clearTimeout(retry);
    if (hls) { hls.destroy(); hls = null; }
    if (rtc) {
      const { pc, location: session } = rtc;
      rtc = null;
      pc.close();
      if (session) fetch(session, { method: 'DELETE', keepalive: true }).catch(() => {});
    }
    last = null;
    video.removeAttribute('src');
    video.srcObject = null;
  }

  function play(channel) {
    stop();
    const mine = ++generation;
    const mode = modeSelect.value;
    if (mode === 'hls') playHls(channel, mine);
    else playRealTime(channel, mine, mode === 'auto');
  }

  async function playRealTime(channel, mine, fallBack) {
    show('', 'connecting in real time…');
    const pc = new RTCPeerConnection();
    rtc = { pc, location: null };
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const stream = new MediaStream();
    pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; video.play().catch(() => {}); };
    const failed = (why) => {
      if (mine !== generation) return;
      stop();
      if (fallBack) { show('', `${why}: HLS instead`); playHls(channel, mine); }
      else { show('', `${why}: retrying`); retry = setTimeout(() => play(channel), 3000); }
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected' && mine === generation) show('rtc', 'real-time');
      if (pc.connectionState === 'failed' || pc.connectionState === 'closed') failed(`connection ${pc.connectionState}`);
    };
    try {
      await pc.setLocalDescription(await pc.createOffer());
      // The appliance is ICE-lite and takes no trickle: send the offer with the candidates gathered so far.
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
        setTimeout(resolve, 1000);
      });
      const headers = { 'Content-Type': 'application/sdp' };
      if (params.get('token')) headers.Authorization = `Bearer ${params.get('token')}`;
      const response = await fetch(`/whep/${encodeURIComponent(channel)}${signedQuery(channel)}`,
        { method: 'POST', headers, body: pc.localDescription.sdp });
      if (mine !== generation) return;
      if (response.status !== 201) return failed(response.status === 409 ? 'not live' : `WHEP ${response.status}`);
      rtc.location = response.headers.get('Location');
      await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
      setTimeout(() => { if (mine === generation && rtc && pc.connectionState !== 'connected') failed('no connection'); }, 8000);
    } catch (e) {
      failed(e.message || 'WebRTC failed');
    }
  }

  function playHls(channel, mine) {
    const url = `${location.origin}/hls/${encodeURIComponent(channel)}/index.m3u8${signedQuery(channel)}`;
    show('', 'waiting for the playlist…');
    if (!window.Hls || !Hls.isSupported()) {
      video.src = url; // Safari plays HLS natively
      show('hls', 'HLS');
      return;
    }
    hls = new Hls({ liveSyncDurationCount: 2, manifestLoadingMaxRetry: 0 });
    fragments = [];
    hls.on(Hls.Events.FRAG_LOADED, (_, data) => {
      fragments = [...fragments.slice(-4), { bytes: data.frag.stats.loaded, seconds: data.frag.duration }];
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => { show('hls', 'HLS'); video.play().catch(() => {}); });
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (!data.fatal || mine !== generation) return;
      show('', `${data.details}: retrying`);
      hls.destroy(); hls = null;
      retry = setTimeout(() => play(channel), 2000); // the channel may not be publishing yet; auto tries real time again
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  async function realTimeStats(pc) {
    const report = await pc.getStats();
    let bytes = 0, lost = 0, jitter = 0, fps = 0, rtt = null, playout = null, buffered = null;
    report.forEach((s) => {
      if (s.type === 'inbound-rtp') {
        bytes += s.bytesReceived || 0;
        lost += s.packetsLost || 0;
        if (s.kind === 'video') {
          jitter = (s.jitter || 0) * 1000;
          fps = s.framesPerSecond || 0;
          playout = s.estimatedPlayoutTimestamp || null;
          if (s.jitterBufferEmittedCount) buffered = 1000 * s.jitterBufferDelay / s.jitterBufferEmittedCount;
        }
      }
      if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime !== undefined) rtt = s.currentRoundTripTime * 1000;
    });
    const now = performance.now();
    const kbps = last ? (8 * (bytes - last.bytes)) / (now - last.at) : 0;
    last = { bytes, at: now };
    // Latency behind the appliance: estimatedPlayoutTimestamp is the sender-clock (NTP, ms since 1900) time of what is
    // shown now; the appliance's sender reports use its wall clock, so on one machine or synced clocks this is
    // server-to-screen. Without it: what the jitter buffer holds plus half the round trip.
    const ntpEpochOffset = 2208988800000;
    const latency = playout ? Date.now() - (playout - ntpEpochOffset) : buffered !== null ? buffered + (rtt || 0) / 2 : null;
    window.viewerStats = { mode: 'rtc', kbps, lost, jitter, rtt, fps, latency };
    return `latency ${latency === null ? '–' : Math.max(0, latency).toFixed(0)} ms · ${kbps.toFixed(0)} kbit/s · lost ${lost} · jitter ${jitter.toFixed(1)} ms · rtt ${rtt === null ? '–' : rtt.toFixed(1)} ms · ${fps} fps · ${video.videoWidth}×${video.videoHeight}`;
  }

  setInterval(async () => {
    if (rtc && rtc.pc.connectionState === 'connected') {
      stats.textContent = await realTimeStats(rtc.pc);
      return;
    }
    if (!hls) { stats.textContent = ''; return; }
    const latency = hls.latency ? hls.latency.toFixed(1) : '–';
    const buffered = video.buffered.length ? (video.buffered.end(video.buffered.length - 1) - video.currentTime).toFixed(1) : '0.0';
    // The stream's bitrate: bytes of the last segments over their duration (hls.bandwidthEstimate is the network's).
    const bytes = fragments.reduce((sum, f) => sum + f.bytes, 0);
    const seconds = fragments.reduce((sum, f) => sum + f.seconds, 0);
    const kbps = seconds > 0 ? (8 * bytes) / seconds / 1000 : null;
    window.viewerStats = { mode: 'hls', latency: hls.latency, kbps };
    stats.textContent = `latency ${latency} s · buffer ${buffered} s · ${kbps === null ? '–' : kbps.toFixed(0)} kbit/s · ${video.videoWidth}×${video.videoHeight}`;
  }, 1000);

  function navigate() {
    const query = new URLSearchParams(params);
    query.set('channel', input.value);
    if (modeSelect.value === 'auto') query.delete('mode'); else query.set('mode', modeSelect.value);
    history.replaceState(null, '', `?${query}`);
    play(input.value);
  }

  document.getElementById('pick').addEventListener('submit', (e) => { e.preventDefault(); navigate(); });
  modeSelect.addEventListener('change', () => { if (input.value) navigate(); });
  window.addEventListener('pagehide', stop);
  input.value = params.get('channel') || '';
  modeSelect.value = ['rtc', 'hls'].includes(params.get('mode')) ? params.get('mode') : 'auto';
  if (input.value) play(input.value);
})();
