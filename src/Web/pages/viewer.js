// Plays /hls/<channel>/index.m3u8 with hls.js; retries until the playlist exists; shows live latency and buffer.
// A channel with signed URLs plays with the signed query in the page's URL: viewer.html?channel=<id>&expires=…&sig=…
// (from POST /api/v1/channels/<id>/hls-url); the appliance carries it into the playlists.
(() => {
  const params = new URLSearchParams(location.search);
  const video = document.getElementById('video');
  const state = document.getElementById('state');
  const stats = document.getElementById('stats');
  const input = document.getElementById('channel');
  let hls = null;
  let retry = null;

  function play(channel) {
    clearTimeout(retry);
    if (hls) { hls.destroy(); hls = null; }
    const signed = params.has('sig') && channel === params.get('channel') ? `?expires=${encodeURIComponent(params.get('expires') || '')}&sig=${encodeURIComponent(params.get('sig'))}` : '';
    const url = `${location.origin}/hls/${encodeURIComponent(channel)}/index.m3u8${signed}`;
    state.textContent = 'waiting for the playlist…';
    if (!window.Hls || !Hls.isSupported()) {
      video.src = url; // Safari plays HLS natively
      return;
    }
    hls = new Hls({ liveSyncDurationCount: 2, manifestLoadingMaxRetry: 0 });
    hls.on(Hls.Events.MANIFEST_PARSED, () => { state.textContent = 'playing'; video.play().catch(() => {}); });
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (!data.fatal) return;
      state.textContent = `${data.details}: retrying`;
      hls.destroy(); hls = null;
      retry = setTimeout(() => play(channel), 2000); // the channel may not be publishing yet
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  }

  setInterval(() => {
    if (!hls) { stats.textContent = ''; return; }
    const latency = hls.latency ? hls.latency.toFixed(1) : '–';
    const buffered = video.buffered.length ? (video.buffered.end(video.buffered.length - 1) - video.currentTime).toFixed(1) : '0.0';
    stats.textContent = `latency ${latency} s · buffer ${buffered} s · ${video.videoWidth}×${video.videoHeight}`;
  }, 500);

  document.getElementById('pick').addEventListener('submit', (e) => {
    e.preventDefault();
    history.replaceState(null, '', `?channel=${encodeURIComponent(input.value)}`);
    play(input.value);
  });
  input.value = params.get('channel') || '';
  if (input.value) play(input.value);
})();
