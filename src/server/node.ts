import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface ServeNodeOptions {
  /** Default 0: an ephemeral port (read it from the result). */
  port?: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
}

export interface NodeServerHandle {
  /** `http://<hostname>:<port>` */
  url: string;
  port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Serves a Web-standard fetch handler (e.g. `createCheckoutHandler`) with Node's HTTP server. */
export function serveNode(
  handler: (request: Request) => Response | Promise<Response>,
  options: ServeNodeOptions = {},
): Promise<NodeServerHandle> {
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: handler, port: options.port ?? 0, hostname }, (info: AddressInfo) => {
      server.off('error', reject);
      const host = info.family === 'IPv6' || hostname.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done, fail) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close((error) => (error ? fail(error) : done()));
          }),
      });
    });
    server.once('error', reject);
  });
}
