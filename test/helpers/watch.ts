// Watch streams for route tests: events collected as they arrive, read with a bounded wait.
import { request } from 'undici';

/** Opens a watch (JSON lines of E) and collects events; read() waits (bounded) until n events have arrived. */
export async function openWatch<E>(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  const events: E[] = [];
  let buffer = '';
  let ended = false;
  const waiters: Array<() => void> = [];
  res.body.setEncoding('utf8');
  res.body.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffer.slice(0, nl)) as E);
      buffer = buffer.slice(nl + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  res.body.on('end', () => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });
  res.body.on('error', () => {});
  const read = async (n: number, timeoutMs = 5000): Promise<E[]> => {
    const deadline = Date.now() + timeoutMs;
    while (events.length < n && !ended && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return events.slice(0, n);
  };
  return { res, events, read, isEnded: () => ended, close: () => res.body.destroy() };
}
