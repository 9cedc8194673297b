// The admin console: channels with their state, picture, ingest graph, viewers, warnings and FFmpeg; create and delete
// channels, rotate publish tokens, copy their URLs, sign an HLS URL; the appliance's load, jobs and webhooks. Plain
// script over the REST API: an API key or JWT is kept for this tab only (sessionStorage); on loopback with the embedded
// default none is needed. window.consoleState tells automated browsers what the page shows.
(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const refreshMs = 4000;
  const cards = new Map(); // channel id → { element, etag, pictureUrl }
  let credential = sessionStorage.getItem('broadcast.credential') || '';
  let timer = null;
  window.consoleState = { signedIn: false, channels: [], refreshes: 0, errors: [] };

  function headers(extra = {}) {
    if (!credential) return extra;
    // A JWT is three base64url parts; anything else is an API key.
    return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(credential)
      ? { ...extra, Authorization: `Bearer ${credential}` }
      : { ...extra, 'X-Api-Key': credential };
  }

  async function api(path, options = {}) {
    const response = await fetch(path, { ...options, headers: headers(options.headers || {}) });
    if (response.status === 401 || response.status === 403) {
      showSignIn(!credential ? '' : response.status === 403 ? 'this credential is not an admin\'s' : 'this credential was refused');
      throw new Error('not signed in');
    }
    return response;
  }

  async function json(path, options) {
    const response = await api(path, options);
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.detail || problem.title || `${response.status}`);
    }
    return response.status === 204 ? null : response.json();
  }

  function toast(text) {
    const element = $('#toast');
    element.textContent = text;
    element.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { element.hidden = true; }, 4000);
  }

  async function copy(text, what) {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard access needs https or localhost: fall back to a selection copy.
      const area = Object.assign(document.createElement('textarea'), { value: text });
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    toast(`${what} copied: ${text}`);
  }

  function showSignIn(error) {
    window.consoleState.signedIn = false;
    clearTimeout(timer);
    $('#console').hidden = true;
    $('#sign-in').hidden = false;
    $('#sign-in-error').textContent = error;
  }

  const badgeClass = (state) => ({
    playing: 'ok', publishing: 'ok', running: 'ok', idle: '', waiting: '', connecting: 'warn', 'backing-off': 'warn',
    starting: 'warn', unreachable: 'bad', 'auth-failed': 'bad', stopped: 'bad', remote: '',
  }[state] ?? '');

  const urls = (id) => {
    const channel = encodeURIComponent(id);
    return {
      hls: `${location.origin}/hls/${channel}/index.m3u8`, viewer: `${location.origin}/viewer.html?channel=${channel}`,
      whep: `${location.origin}/whep/${channel}`, whip: `${location.origin}/whip/${channel}`,
    };
  };

  function facts(list, entries) {
    list.replaceChildren(...entries.filter(([, value]) => value !== undefined && value !== null && value !== '').flatMap(([name, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }));
  }

  function spark(svg, history) {
    const points = (values, max) => values.map((v, i) => `${(i / Math.max(values.length - 1, 1)) * 100},${40 - (v / max) * 38}`).join(' ');
    const kbps = history.map((p) => p.ingestKbps);
    const fps = history.map((p) => p.framesPerSecond);
    $('.kbps', svg).setAttribute('points', points(kbps, Math.max(1, ...kbps)));
    $('.fps', svg).setAttribute('points', points(fps, Math.max(1, ...fps)));
  }

  function card(channel) {
    let entry = cards.get(channel.id);
    if (!entry) {
      const element = $('#channel-card').content.firstElementChild.cloneNode(true);
      element.dataset.channel = channel.id;
      entry = { element, etag: null, pictureUrl: null, deleteArmed: false };
      cards.set(channel.id, entry);
      $('.id', element).textContent = channel.id;
      for (const button of element.querySelectorAll('.copy')) {
        button.addEventListener('click', () => copy(urls(channel.id)[button.dataset.url], `${button.textContent} URL`));
      }
      $('.edit', element).addEventListener('click', () => edit(entry.channel));
      $('.sign', element).addEventListener('click', async () => {
        try {
          const signed = await json(`/api/v1/channels/${encodeURIComponent(channel.id)}/hls-url`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ttlSeconds: 3600 }),
          });
          await copy(signed.url, 'Signed HLS URL (1 hour)');
        } catch (e) { toast(`Signing failed: ${e.message}`); }
      });
      $('.rotate', element).addEventListener('click', async () => {
        try {
          const rotated = await json(`/api/v1/channels/${encodeURIComponent(channel.id)}/publish-token`, {
            method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
          });
          await copy(rotated.publishToken, 'New publish token (shown once)');
        } catch (e) { toast(`No new token: ${e.message}`); }
      });
      const remove = $('.delete', element);
      remove.addEventListener('click', async () => {
        // Two clicks: the first arms the button for a few seconds.
        if (!entry.deleteArmed) {
          entry.deleteArmed = true;
          remove.textContent = 'Really delete?';
          setTimeout(() => { entry.deleteArmed = false; remove.textContent = 'Delete'; }, 4000);
          return;
        }
        try {
          await json(`/api/v1/channels/${encodeURIComponent(channel.id)}`, { method: 'DELETE' });
          toast(`${channel.id} deleted`);
          refresh();
        } catch (e) { toast(`Delete failed: ${e.message}`); }
      });
    }
    return entry;
  }

  async function picture(entry, id) {
    const response = await api(`/api/v1/channels/${encodeURIComponent(id)}/thumbnail.jpg`, {
      headers: entry.etag ? { 'If-None-Match': entry.etag } : {},
    });
    const holder = $('.picture', entry.element);
    if (response.status === 304) return;
    if (!response.ok) {
      if (holder.tagName !== 'DIV') {
        const none = Object.assign(document.createElement('div'), { className: 'thumb none picture', textContent: 'no picture yet' });
        holder.replaceWith(none);
      }
      entry.etag = null;
      return;
    }
    entry.etag = response.headers.get('ETag');
    const url = URL.createObjectURL(await response.blob());
    const image = holder.tagName === 'IMG' ? holder : Object.assign(document.createElement('img'), { className: 'thumb picture', alt: `${id}` });
    image.src = url;
    image.dataset.segment = entry.etag || '';
    if (holder !== image) holder.replaceWith(image);
    if (entry.pictureUrl) URL.revokeObjectURL(entry.pictureUrl);
    entry.pictureUrl = url;
  }

  async function details(entry, channel) {
    const id = encodeURIComponent(channel.id);
    const [live, hls] = await Promise.all([
      api(`/api/webrtc/channels/${id}/stats`).then((r) => (r.ok ? r.json() : null)),
      api(`/api/v1/channels/${id}/hls`).then((r) => (r.ok ? r.json() : null)),
    ]);
    const data = live?.data;
    spark($('.spark', entry.element), data?.history ?? []);
    const video = channel.tracks?.find((t) => t.kind === 'video');
    facts($('dl', entry.element), [
      // Several appliances: a channel that runs on another one is watched on that one's console.
      ['Runs on', channel.owner ? (channel.owner.here ? `${channel.owner.id} (this appliance)` : `${channel.owner.id}: ${channel.owner.url}/admin`) : undefined],
      ['Ingest', data ? `${data.bandwidth.inKbps.toFixed(0)} kbit/s, ${data.framesPerSecond.toFixed(1)} fps` : 'not live'],
      ['Video', video ? `${video.codec}${video.width ? ` ${video.width}×${video.height}` : ''}` : undefined],
      ['Viewers', data ? `${data.realTimeViewers} real-time, ${data.hlsViewers} HLS` : undefined],
      ['HLS', channel.hls ? `${channel.hls.state}, ${channel.hls.segmentCount} segments${channel.hls.newestSegmentAgeSeconds != null ? `, newest ${channel.hls.newestSegmentAgeSeconds.toFixed(1)} s ago` : ''}` : undefined],
      ['Packaged by', channel.hls && channel.hls.state !== 'idle' ? (channel.hls.muxer === 'appliance' ? 'the appliance (no FFmpeg)' : 'FFmpeg') : undefined],
      ['Camera', channel.rtsp ? `${channel.rtsp.url}${channel.rtsp.lastError ? ` (${channel.rtsp.lastError})` : ''}` : undefined],
    ]);
    const ffmpeg = $('.ffmpeg', entry.element);
    ffmpeg.hidden = !hls || hls.muxer === 'appliance' || hls.state === 'idle';
    if (hls) {
      const number = (value, digits) => (value == null ? '–' : value.toFixed(digits));
      const progress = hls.progress ? `, ${number(hls.progress.fps, 0)} fps at ${number(hls.progress.speed, 2)}×` : '';
      const cpu = hls.ffmpegCpuPercent != null ? `, ${hls.ffmpegCpuPercent.toFixed(1)} % CPU` : '';
      $('summary', ffmpeg).textContent = `FFmpeg: ${hls.state}${hls.processId ? ` (pid ${hls.processId})` : ''}, ${hls.restarts} restarts${progress}${cpu}`;
      $('pre', ffmpeg).textContent = (hls.lastStderrLines || []).join('\n') || 'no warnings';
    }
  }

  function render(channels) {
    const list = $('#channels');
    const seen = new Set();
    for (const channel of channels) {
      const entry = card(channel);
      entry.channel = channel;
      seen.add(channel.id);
      $('.edit', entry.element).hidden = !channel.persistent;
      const state = $('.state', entry.element);
      state.textContent = channel.state;
      state.className = `badge state ${badgeClass(channel.state)}`;
      $('.source', entry.element).textContent = channel.source + (channel.persistent ? '' : ' (ad hoc)');
      const publisher = channel.source === 'webrtc' || channel.source === 'rtp';
      for (const button of entry.element.querySelectorAll('.publisher')) button.hidden = !publisher;
      const warnings = $('.warnings', entry.element);
      warnings.replaceChildren(...(channel.warnings || []).map((w) => Object.assign(document.createElement('li'), { textContent: w })));
      if (entry.element.parentElement !== list) list.append(entry.element);
      picture(entry, channel.id).catch(() => {});
      details(entry, channel).catch(() => {});
    }
    for (const [id, entry] of cards) {
      if (!seen.has(id)) {
        entry.element.remove();
        if (entry.pictureUrl) URL.revokeObjectURL(entry.pictureUrl);
        cards.delete(id);
      }
    }
    $('#no-channels').hidden = channels.length > 0;
  }

  async function appliance() {
    const [stats, cleanup, retention, deliveries] = await Promise.all([
      json('/stats'), json('/api/v1/jobs/cleanup/runs?count=3'), json('/api/v1/jobs/segment-retention/runs?count=3'),
      json('/api/v1/webhooks/deliveries?count=8'),
    ]);
    const media = stats.media;
    $('#summary').textContent = `${media.channels} live · ${media.realTimeViewers} real-time viewers · ${stats.bandwidth.inKbps.toFixed(0)} kbit/s in · ${stats.bandwidth.outKbps.toFixed(0)} kbit/s out`;
    facts($('#appliance'), [
      ['Uptime', `${(stats.uptimeSeconds / 3600).toFixed(1)} h`],
      ['Workers', stats.workers.map((w) => `#${w.index}: ${w.routers} ch, ${w.lagMs == null ? 'not answering' : `${w.lagMs.toFixed(2)} ms lag`}`).join('; ')],
      ['Media', `${media.transports} transports, ${media.producers} producers, ${media.consumers} consumers`],
      ['Memory', `${(stats.memory.workingSetBytes / 1048576).toFixed(0)} MiB`],
    ]);
    const rows = (tbody, items, cells) => tbody.replaceChildren(...items.map((item) => {
      const row = document.createElement('tr');
      row.replaceChildren(...cells(item).map((text) => Object.assign(document.createElement('td'), { textContent: text })));
      return row;
    }));
    const when = (t) => new Date(t).toLocaleTimeString();
    const runs = [...cleanup, ...retention].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, 5);
    rows($('#jobs tbody'), runs, (run) => [when(run.startedAt), run.job, run.summary]);
    if (runs.length === 0) rows($('#jobs tbody'), [{}], () => ['none yet (every minute)']);
    rows($('#webhooks tbody'), deliveries, (d) => [when(d.createdAt), d.eventType, d.channelId, `${d.state} (${d.attempts})`]);
    if (deliveries.length === 0) rows($('#webhooks tbody'), [{}], () => ['none (Webhooks:Endpoints)']);
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const channels = await json('/api/v1/channels');
      window.consoleState.signedIn = true;
      $('#sign-in').hidden = true;
      $('#console').hidden = false;
      $('#sign-out').hidden = !credential;
      render(channels);
      window.consoleState.channels = channels.map((c) => ({ id: c.id, state: c.state, source: c.source }));
      await appliance();
      window.consoleState.refreshes++;
    } catch (e) {
      if (e.message === 'not signed in') return;
      window.consoleState.errors.push(e.message);
    }
    timer = setTimeout(refresh, refreshMs);
  }

  $('#sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    credential = $('#credential').value.trim();
    sessionStorage.setItem('broadcast.credential', credential);
    refresh();
  });
  $('#sign-out').addEventListener('click', (event) => {
    event.preventDefault();
    credential = '';
    sessionStorage.removeItem('broadcast.credential');
    showSignIn('');
  });

  const form = $('#create');
  const cameraFields = () => form.querySelectorAll('[data-camera]');
  const showCameraFields = () => { for (const field of cameraFields()) field.hidden = $('#create-source').value !== 'rtsp'; };
  $('#create-source').addEventListener('change', showCameraFields);
  let editing = null; // the id of the channel being edited, or null when creating
  function openForm(id) {
    editing = id;
    form.hidden = false;
    $('#create-id').readOnly = id !== null;
    for (const hint of form.querySelectorAll('[data-editing]')) hint.hidden = id === null;
    $('#create button:not([type])').textContent = id === null ? 'Create' : 'Save';
    showCameraFields();
  }
  function edit(channel) {
    form.reset();
    $('#create-id').value = channel.id;
    $('#create-source').value = channel.source;
    const camera = channel.settings?.rtsp;
    if (camera) { $('#create-url').value = camera.url; $('#create-transport').value = camera.transport; }
    $('#create-format').value = channel.settings?.hls?.format || '';
    openForm(channel.id);
    form.scrollIntoView({ block: 'nearest' });
  }
  $('#new-channel').addEventListener('click', () => { form.reset(); openForm(null); $('#create-id').focus(); });
  $('#create-cancel').addEventListener('click', () => { form.hidden = true; editing = null; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const source = $('#create-source').value;
    const body = { source };
    if ($('#create-id').value.trim()) body.channel_id = $('#create-id').value.trim();
    if (source === 'rtsp') {
      body.rtsp = { url: $('#create-url').value.trim(), transport: $('#create-transport').value };
      if ($('#create-user').value) body.rtsp.username = $('#create-user').value;
      if ($('#create-password').value) body.rtsp.password = $('#create-password').value;
    }
    if ($('#create-format').value) body.hls = { format: $('#create-format').value };
    try {
      const created = await json(editing === null ? '/api/v1/channels' : `/api/v1/channels/${encodeURIComponent(editing)}`, {
        method: editing === null ? 'POST' : 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      const verb = editing === null ? 'created' : 'saved';
      form.reset();
      form.hidden = true;
      editing = null;
      $('#create-error').textContent = '';
      if (created.publishToken) await copy(created.publishToken, `Publish token of ${created.id} (shown once)`);
      else toast(`${created.id} ${verb}`);
      refresh();
    } catch (e) {
      $('#create-error').textContent = e.message;
    }
  });

  refresh();
})();
