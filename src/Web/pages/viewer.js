// Plays a channel in real time over WHEP (POST /whep/<channel>) when it is live, else with hls.js from
// /hls/<channel>/index.m3u8, retrying until it appears. Mode "auto" falls back from real time to HLS when WHEP answers
// anything but 201 or the connection fails; "rtc" and "hls" force one. The stats line shows, for real time, bitrate,
// packets lost, jitter, round trip and the latency behind the appliance; for HLS, hls.js's live latency and its target,
// the age of the picture (from EXT-X-PROGRAM-DATE-TIME), the playback rate, the buffer and the stream's bitrate.
// HLS plays in low-latency mode (parts, blocking reloads, PART-HOLD-BACK) and catches up by playing faster after stalls.
// A channel with several renditions gets a quality menu: Auto (hls.js picks by bandwidth) or one rendition.
// A channel with signed URLs plays with the signed query in the page's URL: viewer.html?channel=<id>&expires=…&sig=…
// (from POST /api/v1/channels/<id>/hls-url); it is passed to WHEP and carried into the playlists.
(() => {
  const params = new URLSearchParams(location.search);
  const video = document.getElementById('video');
  const state = document.getElementById('state');
  const stats = document.getElementById('stats');
  const input = document.getElementById('channel');
  const modeSelect = document.getElementById('mode');
  const quality = document.getElementById('quality');
  let hls = null;
  let rtc = null; // { pc, location }
  let retry = null;
  let last = null; // previous getStats sample, for rates
  let fragments = []; // bytes and seconds of the last HLS parts or segments loaded, for the stream's bitrate
  let playingLevel = -1; // the hls.js level shown now (LEVEL_SWITCHED), -1 before the first
  let generation = 0; // a newer play() abandons what an older one still awaits

  const show = (mode, text) => { state.dataset.mode = mode; state.textContent = text; };

  // STUN and TURN servers with fresh TURN credentials (GET /api/v1/webrtc-config); the browser's defaults without it.
  async function rtcConfiguration() {
    try {
      const response = await fetch('/api/v1/webrtc-config', { cache: 'no-store' });
      if (!response.ok) return {};
      const body = await response.json();
      return { iceServers: body.iceServers, bundlePolicy: body.bundlePolicy, rtcpMuxPolicy: body.rtcpMuxPolicy };
    } catch {
      return {};
    }
  }

  function signedQuery(channel) {
    return params.has('sig') && channel === params.get('channel')
      ? `?expires=${encodeURIComponent(params.get('expires') || '')}&sig=${encodeURIComponent(params.get('sig'))}` : '';
  }

  function stop() {
    clearTimeout(retry);
    if (hls) { hls.destroy(); hls = null; }
    window.viewerHls = null;
    playingLevel = -1;
    renderQuality();
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
    const pc = new RTCPeerConnection(await rtcConfiguration());
    if (mine !== generation) { pc.close(); return; }
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
      // Relative to where the offer was answered: the channel's owner when this appliance sent us there (307).
      rtc.location = new URL(response.headers.get('Location'), response.url).href;
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
    // Low-latency mode starts PART-HOLD-BACK behind the live edge and keeps there: liveSyncDuration(Count) are left
    // unset, since either would override PART-HOLD-BACK. After a stall hls.js moves its target back a little and plays
    // up to 1.5× faster to return to it. 30 s behind the playhead are kept, not the whole session.
    hls = new Hls({ lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5, backBufferLength: 30, manifestLoadingMaxRetry: 0 });
    window.viewerHls = hls; // for the page's tests and for debugging from the console
    fragments = [];
    hls.on(Hls.Events.FRAG_LOADED, (_, data) => {
      // In low-latency mode each part arrives on its own (data.part); whole segments otherwise.
      const piece = data.part || data.frag;
      fragments.push({ bytes: piece.stats.loaded, seconds: piece.duration });
      let held = fragments.reduce((sum, f) => sum + f.seconds, 0);
      while (fragments.length > 1 && held - fragments[0].seconds >= 4) held -= fragments.shift().seconds; // the last 4 s
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => { show('hls', 'HLS'); renderQuality(); video.play().catch(() => {}); });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_, data) => { playingLevel = data.level; renderQuality(); });
    hls.on(Hls.Events.LEVELS_UPDATED, () => renderQuality()); // a failing rendition may have been dropped
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (!data.fatal || mine !== generation) return;
      stop();
      show('', `${data.details}: retrying`);
      retry = setTimeout(() => play(channel), 2000); // the channel may not be publishing yet; auto tries real time again
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  // The quality menu's entries: "Auto" (-1), then each of hls.levels (lowest bitrate first, as hls.js sorts them) by
  // height and bitrate. `manual` is hls.manualLevel (-1 when hls.js chooses), `playing` the level shown now (-1 before
  // the first): it is marked with "●", and named in Auto's label while hls.js chooses. Pure, for the tests.
  function qualityOptions(levels, manual, playing) {
    const name = (level) => {
      const height = level.height ? `${level.height}p${level.frameRate > 30 ? Math.round(level.frameRate) : ''}` : '';
      const rate = level.bitrate ? `${Math.round(level.bitrate / 1000)} kbit/s` : '';
      return [height, rate].filter(Boolean).join(' · ') || 'unnamed';
    };
    const auto = manual < 0 || manual >= levels.length;
    const now = levels[playing];
    return [
      { value: -1, label: auto && now ? `Auto (${name(now)})` : 'Auto', selected: auto, playing: false },
      ...levels.map((level, i) => ({ value: i, label: `${i === playing ? '● ' : ''}${name(level)}`, selected: !auto && i === manual, playing: i === playing })),
    ];
  }
  window.viewerQualityOptions = qualityOptions;

  // Shown only for two renditions or more; rebuilt when the playing level or the choice changes, not on a timer, so an
  // open menu (a phone's picker) is not redrawn under the finger.
  function renderQuality() {
    const levels = hls ? hls.levels : [];
    quality.parentElement.hidden = levels.length < 2;
    if (levels.length < 2) { quality.replaceChildren(); delete quality.dataset.playing; return; }
    quality.replaceChildren(...qualityOptions(levels, hls.manualLevel, playingLevel).map((o) => {
      const option = new Option(o.label, String(o.value), o.selected, o.selected);
      if (o.playing) option.dataset.playing = '';
      return option;
    }));
    quality.dataset.playing = String(playingLevel);
  }

  // nextLevel switches at the next fragment boundary, without flushing what is buffered; -1 hands the choice to hls.js.
  quality.addEventListener('change', () => { if (hls) { hls.nextLevel = Number(quality.value); renderQuality(); } });

  // After a pause (or a long stall) playback may lie further behind the live edge than hls.js catches up by playing
  // faster (one target duration): resume at the live sync point instead.
  video.addEventListener('play', () => {
    const details = hls && hls.latestLevelDetails;
    const sync = hls && hls.liveSyncPosition;
    if (details && details.live && sync !== null && sync - video.currentTime > details.targetduration) video.currentTime = sync;
  });

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
    // hls.latency: seconds behind the live edge (0 until known); hls.playingDate: the EXT-X-PROGRAM-DATE-TIME of what is
    // shown, so its age is capture-to-screen as far as the appliance's and this device's clocks agree.
    const latency = hls.latency || null;
    const target = hls.targetLatency;
    const date = hls.playingDate;
    const age = date ? (Date.now() - date.getTime()) / 1000 : null;
    const rate = video.playbackRate;
    const oneDecimal = (value) => (value === null ? '–' : value.toFixed(1));
    const buffered = video.buffered.length ? (video.buffered.end(video.buffered.length - 1) - video.currentTime).toFixed(1) : '0.0';
    // The stream's bitrate: bytes of the last parts or segments over their duration (hls.bandwidthEstimate is the network's).
    const bytes = fragments.reduce((sum, f) => sum + f.bytes, 0);
    const seconds = fragments.reduce((sum, f) => sum + f.seconds, 0);
    const kbps = seconds > 0 ? (8 * bytes) / seconds / 1000 : null;
    window.viewerStats = { mode: 'hls', lowLatency: hls.lowLatencyMode, latency, targetLatency: target, age, rate, kbps, level: playingLevel };
    stats.textContent = `latency ${oneDecimal(latency)} s (target ${oneDecimal(target)} s) · age ${oneDecimal(age)} s · ${rate.toFixed(2)}× · buffer ${buffered} s · ${kbps === null ? '–' : kbps.toFixed(0)} kbit/s · ${video.videoWidth}×${video.videoHeight}`;
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
