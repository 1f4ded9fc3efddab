// Live updates from GET /v1/stream (server-sent events). EventSource cannot send an Authorization
// header, so the stream is read with fetch() and a ReadableStream reader and parsed here: fields
// `event`, `data` (joined over lines), `id` (sent back as Last-Event-ID on reconnect), `retry`;
// comment lines (heartbeats) are ignored. When the route is missing or the connection drops the
// client retries with backoff, and says so in the header's indicator.

export function parseSSE(onMessage) {
  let buffer = '';
  let data = [];
  let event = '';
  let id = null;
  let retry = null;
  const dispatch = () => {
    if (data.length) onMessage({ event: event || 'message', data: data.join('\n'), id, retry });
    data = [];
    event = '';
  };
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (!match) return;
      if (match[0] === '\r' && match.index === buffer.length - 1) return; // maybe half of \r\n
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      if (line === '') { dispatch(); continue; }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    }
  };
}

export function openStream({ path = '/v1/stream', types = [], key, onEvent, onStatus }) {
  let stopped = false;
  let controller = null;
  let lastId = null;
  let delay = 1000;
  const url = types.length ? `${path}?types=${encodeURIComponent(types.join(','))}` : path;

  async function once() {
    controller = new AbortController();
    const headers = { Authorization: `Bearer ${key}`, Accept: 'text/event-stream' };
    if (lastId) headers['Last-Event-ID'] = lastId;
    const response = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
    const type = response.headers.get('content-type') || '';
    if (response.status === 401) { onStatus('unauthorized', 'key refused'); stopped = true; return; }
    if (!response.ok || !type.includes('text/event-stream') || !response.body) {
      onStatus('unavailable', response.status === 404 ? 'no stream yet' : `HTTP ${response.status}`);
      await response.body?.cancel();
      return;
    }
    onStatus('live', 'live');
    delay = 1000;
    const parse = parseSSE((message) => {
      if (message.id) lastId = message.id;
      if (message.retry) delay = message.retry;
      let payload = message.data;
      try { payload = JSON.parse(message.data); } catch { /* keep the text */ }
      const eventType = (payload && payload.type) || message.event;
      onEvent({ type: eventType, id: message.id, data: payload });
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parse(value);
    }
    onStatus('reconnecting', 'reconnecting…');
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (exc) {
        if (stopped) return;
        onStatus('reconnecting', 'reconnecting…');
      }
      if (stopped) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  })();

  return { close() { stopped = true; if (controller) controller.abort(); } };
}
