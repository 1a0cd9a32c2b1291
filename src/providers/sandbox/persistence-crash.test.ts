import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSandboxPsp } from './psp.js';

/**
 * A process that dies in the middle of writing: every synchronous file write, while armed, writes
 * the first half of its data and then throws, as if the process was killed right there.
 */
const crash = vi.hoisted(() => ({ armed: false, fired: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const half = (data: unknown) =>
    typeof data === 'string' ? data.slice(0, Math.floor(data.length / 2)) : (data as Uint8Array).subarray(0, Math.floor((data as Uint8Array).length / 2));
  const dieMidWrite = () => {
    crash.fired++;
    throw new Error('simulated crash mid-write');
  };
  const writeFileSync: typeof fs.writeFileSync = (file, data, options) => {
    if (!crash.armed) return fs.writeFileSync(file, data, options);
    fs.writeFileSync(file, half(data) as string, options);
    dieMidWrite();
  };
  const writeSync = ((fd: number, data: unknown, ...rest: unknown[]) => {
    if (!crash.armed) return (fs.writeSync as (...args: unknown[]) => number)(fd, data, ...rest);
    (fs.writeSync as (...args: unknown[]) => number)(fd, half(data), ...rest);
    return dieMidWrite();
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeFileSync, writeSync }, writeFileSync, writeSync };
});

const SECRET_KEY = 'sbx_sk_test_0123456789abcdef';
const auth = `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}`;
const dirs: string[] = [];
afterEach(() => {
  crash.armed = false;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function create(psp: ReturnType<typeof createSandboxPsp>, reference: string) {
  const body = JSON.stringify({
    amount: 100,
    currency: 'DKK',
    reference,
    lines: [{ name: 'Mug', quantity: 1, unit_amount: 100 }],
    accept_url: 'http://shop.test/accept',
    cancel_url: 'http://shop.test/cancel',
  });
  return psp.fetch(new Request('http://psp.test/v1/sessions', { method: 'POST', body, headers: { authorization: auth } }));
}

describe('sandbox PSP state file, killed mid-write', () => {
  it('keeps the previous state on disk, and a restarted PSP loads it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-crash-'));
    dirs.push(dir);
    const file = path.join(dir, 'sandbox-psp.json');
    const options = { secretKey: SECRET_KEY, webhookSecret: 'x', stateFile: file, logger: { warn: () => {} } };
    const psp = createSandboxPsp(options);
    const first = (await (await create(psp, 'kept')).json()) as { id: string };

    crash.armed = true;
    const dying = await create(psp, 'lost');
    crash.armed = false;
    expect(crash.fired).toBeGreaterThan(0);
    expect(dying.status).toBe(500);

    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as { sessions: { id: string; reference: string }[] };
    expect(onDisk.sessions.map((session) => session.reference)).toEqual(['kept']);
    const restarted = createSandboxPsp(options);
    const read = await restarted.fetch(new Request(`http://psp.test/v1/sessions/${first.id}`, { headers: { authorization: auth } }));
    expect(read.status).toBe(200);
    // And it goes on writing over the torn temp file the crash left.
    expect((await create(restarted, 'after')).status).toBe(201);
    const after = JSON.parse(readFileSync(file, 'utf8')) as { sessions: { reference: string }[] };
    expect(after.sessions.map((session) => session.reference)).toEqual(['kept', 'after']);
  });
});
