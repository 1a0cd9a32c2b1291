import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small HTTP proxy in front of the sandbox PSP that injects faults on command:
 *
 * - `ok`: forwards every request to the PSP as it is.
 * - `slow`: holds every request `slowMs` before forwarding it (so the answer comes after the
 *   handler's provider timeout).
 * - `down`: stops listening and destroys every open socket: new connections are refused, open
 *   keep-alive ones and requests in flight are cut.
 * - `500`: answers every request with HTTP 500 and a JSON error body, as a failing PSP would.
 *
 * Leaving `down` listens again on the same port, so the provider's URL stays valid.
 */
export type FaultMode = 'ok' | 'slow' | 'down' | '500';
export const FAULT_MODES: readonly FaultMode[] = ['ok', 'slow', 'down', '500'];

export interface FaultProxy {
  url: string;
  mode(): FaultMode;
  /** Resolves once the mode is in force (for `down`: the port is closed; leaving it: listening again). */
  setMode(mode: FaultMode, options?: { slowMs?: number }): Promise<void>;
  /** Requests that reached the proxy per mode (none in `down`: nothing connects), for the report. */
  counts(): Record<FaultMode, number>;
  close(): Promise<void>;
}

export async function startFaultProxy(options: { upstream: string; slowMs: number }): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let mode: FaultMode = 'ok';
  let slowMs = options.slowMs;
  const counts: Record<FaultMode, number> = { ok: 0, slow: 0, down: 0, '500': 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();

  function forward(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): void {
    const outgoing = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: upstream.host, 'content-length': String(body.byteLength) },
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on('error', () => response.destroy());
    response.on('close', () => outgoing.destroy());
    outgoing.end(body);
  }

  const server = http.createServer((request, response) => {
    const current = mode;
    counts[current]++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (current === '500') {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { type: 'api_error', message: 'Injected fault: internal error' } }));
      } else if (current === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!response.destroyed) forward(request, response, body);
        }, slowMs);
        timers.add(timer);
        response.on('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
      } else {
        forward(request, response, body);
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
    });

  const port = await listen(0);
  return {
    url: `http://127.0.0.1:${port}`,
    mode: () => mode,
    async setMode(next, setOptions = {}) {
      if (setOptions.slowMs !== undefined) slowMs = setOptions.slowMs;
      const previous = mode;
      mode = next;
      if (next === 'down' && previous !== 'down') await stopListening();
      if (next !== 'down' && previous === 'down') await listen(port);
    },
    counts: () => ({ ...counts }),
    async close() {
      if (mode !== 'down') await stopListening();
      agent.destroy();
    },
  };
}
