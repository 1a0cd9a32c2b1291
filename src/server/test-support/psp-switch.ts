import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A switch in front of a PSP: forwards every request, or answers 503 (a PSP in an outage) to those `refuse` picks. */
export interface PspSwitch {
  url: string;
  /** Requests answered 503. */
  readonly refused: number;
  close(): Promise<void>;
}

/**
 * Fault injection for failover runs and tests only (`scripts/failover-run.ts`, `e2e/failover.spec.ts`):
 * a request `refuse` says yes to gets `503 {"message":"maintenance"}`, any other is forwarded to `target`.
 */
export async function startPspSwitch(target: string, refuse: (request: IncomingMessage) => boolean): Promise<PspSwitch> {
  let refused = 0;
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (refuse(request)) {
      refused += 1;
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"maintenance"}');
      return;
    }
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length')) as Record<string, string>;
    const answer = await fetch(`${target}${request.url}`, { method: request.method!, headers, ...(chunks.length > 0 && { body: Buffer.concat(chunks) }) });
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get refused() {
      return refused;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
