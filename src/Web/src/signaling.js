// WebSocket signaling with the appliance: request/response pairs correlated by requestId; errors come back as
// { type: "error", error: { status, title, detail } } and reject the pending request. Messages without a requestId
// are events the appliance pushes (new-producer, producer-closed, consumer-closed, channel-closed): onEvent(type, data).
export class Signaling {
  constructor(url) {
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
  }

  open() {
    return new Promise((resolve, reject) => {
      this.socket = new WebSocket(this.url);
      this.socket.onopen = () => resolve();
      this.socket.onerror = () => reject(new Error(`signaling: cannot connect to ${this.url}`));
      this.socket.onclose = () => {
        for (const { reject: fail } of this.pending.values()) fail(new Error('signaling: connection closed'));
        this.pending.clear();
      };
      this.socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.requestId === undefined || message.requestId === null) {
          if (this.onEvent) this.onEvent(message.type, message.data); // pushed: new-producer, producer-closed, …
          return;
        }
        const waiter = this.pending.get(message.requestId);
        if (!waiter) return;
        this.pending.delete(message.requestId);
        if (message.type === 'error') {
          const e = message.error || {};
          const error = new Error(`${e.title || 'error'}: ${e.detail || ''}`.trim());
          if (e.status === 307 && e.owner) error.owner = e.owner; // the channel runs on another appliance
          waiter.reject(error);
        } else if (waiter.expect && message.type !== waiter.expect) {
          waiter.reject(new Error(`signaling: expected ${waiter.expect}, got ${message.type}`));
        } else {
          waiter.resolve(message.data);
        }
      };
    });
  }

  request(type, data, expect) {
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject, expect });
      this.socket.send(JSON.stringify({ requestId, type, data }));
    });
  }

  close() {
    if (this.socket) this.socket.close();
  }
}

// Opens signaling at this page's appliance and asks for the channel's router capabilities; when another appliance owns
// the channel (several appliances on one database), the answer names it and the same path is opened there instead.
export async function openForChannel(pathAndQuery, channelData) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  let signaling = new Signaling(`${scheme}://${location.host}${pathAndQuery}`);
  await signaling.open();
  try {
    return { signaling, routerRtpCapabilities: await signaling.request('getRouterRtpCapabilities', channelData, 'routerCapabilities') };
  } catch (error) {
    signaling.close();
    if (!error.owner) throw error;
    const owner = new URL(error.owner.url);
    signaling = new Signaling(`${owner.protocol === 'https:' ? 'wss' : 'ws'}://${owner.host}${pathAndQuery}`);
    await signaling.open();
    return { signaling, routerRtpCapabilities: await signaling.request('getRouterRtpCapabilities', channelData, 'routerCapabilities') };
  }
}
