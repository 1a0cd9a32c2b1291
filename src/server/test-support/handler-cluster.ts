/**
 * Real handler processes (handler-process.ts) and what runs around them in tests and the chaos
 * soak: spawning one and waiting until it listens, a round-robin proxy in front of several, and
 * the hook log they append to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveNode, type NodeServerHandle } from '../node.js';
import type { HandlerProcessConfig, HookLogLine } from './handler-process.js';

const SCRIPT = fileURLToPath(new URL('./handler-process.ts', import.meta.url));

export interface HandlerChild {
  url: string;
  process: ChildProcess;
  /** SIGKILL (if still running), resolved once it exited. */
  kill(): Promise<void>;
  /** The exit code, once the process ended (null after a signal it did not handle). */
  exited: Promise<number | null>;
}

/** Starts a handler process; resolves once it listens. HANDLER_PROCESS_LOGS=1: its stderr is printed when it ends. */
export async function spawnHandler(config: HandlerProcessConfig): Promise<HandlerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, CHECKOUT_PROCESS_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  if (process.env['HANDLER_PROCESS_LOGS']) child.once('exit', () => console.log(`handler process ${child.pid} stderr:\n${stderr}`));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening (\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code, signal) => reject(new Error(`handler process exited (${signal ?? code}) before listening: ${stderr}`)));
    });
    return { url, process: child, kill, exited };
  } catch (error) {
    await kill();
    throw error;
  }
}

export interface RoundRobinProxy {
  url: string;
  /** The upstreams, in turn; change them in place (a killed one's address answers 502 until replaced). */
  targets: string[];
  close(): Promise<void>;
}

/** One public address in front of the handler processes, taking them in turn. */
export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  const targets: string[] = [];
  let next = 0;
  const server: NodeServerHandle = await serveNode(async (request) => {
    const target = targets[next++ % targets.length]!;
    const url = new URL(request.url);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    const headers = new Headers(request.headers);
    headers.delete('host');
    // Like a real proxy: a dead upstream is a 502, which the widget retries (and a PSP its webhook).
    return fetch(`${target}${url.pathname}${url.search}`, { method: request.method, headers, ...(body && { body }), redirect: 'manual' }).catch(
      () => new Response('upstream unreachable', { status: 502 }),
    );
  });
  return { url: server.url, targets, close: () => server.close() };
}

/** The hook log's lines (none while the file does not exist). */
export function readHookLog(file: string): HookLogLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as HookLogLine);
}
