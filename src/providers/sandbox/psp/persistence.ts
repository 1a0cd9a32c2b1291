/** The files the sandbox keeps: its state (sessions, saved cards, …) and its keys. */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  CHARGE_ID_PATTERN,
  PAYMENT_METHOD_ID_PATTERN,
  SESSION_ID_PATTERN,
  TOKEN_ID_PATTERN,
  type PspCharge,
  type PspPaymentMethod,
  type PspRecords,
  type PspSession,
  type PspToken,
} from './model.js';

const STATE_VERSION = 1;

const storedLineSchema = z.object({ name: z.string(), quantity: z.number().int(), unit_amount: z.number().int() });
const storedBehaviourSchema = z.enum(['succeeds', 'declines']);

const storedSessionSchema = z.object({
  id: z.string().regex(SESSION_ID_PATTERN),
  amount: z.number().int(),
  currency: z.string(),
  lines: z.array(storedLineSchema),
  reference: z.string(),
  acceptUrl: z.string(),
  cancelUrl: z.string(),
  notificationUrl: z.string().optional(),
  locale: z.string().optional(),
  publicUrl: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  status: z.enum(['open', 'complete', 'cancelled', 'expired']),
  paymentMethod: z.enum(['card', 'blik']).optional(),
  awaitingChallenge: z.boolean(),
  failedAttempts: z.number().int().min(0).default(0),
  recurring: z.boolean().default(false),
  customer: z.string().optional(),
  savedPaymentMethodId: z.string().regex(PAYMENT_METHOD_ID_PATTERN).optional(),
  challengeCard: z.object({ last4: z.string(), behaviour: storedBehaviourSchema }).optional(),
  cardToken: z.boolean().default(false),
  sessionData: z.string().optional(),
}) satisfies z.ZodType<PspSession>;

const storedTokenSchema = z.object({
  id: z.string().regex(TOKEN_ID_PATTERN),
  number: z.string(),
  createdAt: z.number(),
  used: z.boolean(),
}) satisfies z.ZodType<PspToken>;

const storedPaymentMethodSchema = z.object({
  id: z.string().regex(PAYMENT_METHOD_ID_PATTERN),
  customer: z.string(),
  sessionId: z.string(),
  last4: z.string(),
  behaviour: storedBehaviourSchema,
  createdAt: z.number(),
}) satisfies z.ZodType<PspPaymentMethod>;

const storedChargeSchema = z.object({
  id: z.string().regex(CHARGE_ID_PATTERN),
  status: z.enum(['succeeded', 'failed']),
  amount: z.number().int(),
  currency: z.string(),
  reference: z.string(),
  paymentMethod: z.string(),
  lines: z.array(storedLineSchema),
  failureReason: z.string().optional(),
  notificationUrl: z.string().optional(),
  createdAt: z.number(),
}) satisfies z.ZodType<PspCharge>;

const stateFileSchema = z.object({
  version: z.literal(STATE_VERSION),
  sessions: z.array(storedSessionSchema),
  idempotency: z.array(z.tuple([z.string(), z.object({ id: z.string(), bodyHash: z.string() })])),
  payment_methods: z.array(storedPaymentMethodSchema).default([]),
  charges: z.array(storedChargeSchema).default([]),
  tokens: z.array(storedTokenSchema).default([]),
});

type StateFile = z.infer<typeof stateFileSchema>;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Reads a JSON file the sandbox keeps (`what` names it in errors): undefined when there is none yet,
 * an error naming the file when it is not JSON or not that kind of file.
 */
function readJsonFile<T>(file: string, schema: z.ZodType<T>, what: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`sandbox: ${file} is not valid JSON; move it away to start afresh`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`sandbox: ${file} is not ${what} (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}); move it away to start afresh`);
  }
  return parsed.data;
}

/**
 * Replaces `file` with `text` atomically: written and flushed to a temp file in the same folder,
 * then renamed over it. A process killed at any point leaves either the old or the new content.
 */
function writeFileAtomic(file: string, text: string): void {
  const temp = `${file}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/**
 * The records a state file holds (undefined when there is none yet); its folder is created if
 * missing, so the first save can write there.
 */
export function loadStateFile(file: string): PspRecords | undefined {
  const stored = readJsonFile(file, stateFileSchema, 'a sandbox state file');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  return stored;
}

export function saveStateFile(file: string, records: PspRecords): void {
  const state: StateFile = { version: STATE_VERSION, ...records };
  writeFileAtomic(file, JSON.stringify(state));
}

const keysFileSchema = z.object({
  secretKey: z.string().regex(/^sbx_sk_\S{16,}$/),
  webhookSecret: z.string().regex(/^sbx_whsec_\S{16,}$/),
});

function readKeysFile(file: string): { secretKey: string; webhookSecret: string } | undefined {
  const keys = readJsonFile(file, keysFileSchema, 'a sandbox keys file ({ "secretKey": "sbx_sk_…", "webhookSecret": "sbx_whsec_…" })');
  if (!keys) return undefined;
  // Secrets: readable by the owner only, even if someone loosened it.
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return { secretKey: keys.secretKey, webhookSecret: keys.webhookSecret };
}

/**
 * The sandbox keys kept in a JSON file (mode 0600), so a restarted demo keeps talking to the
 * sessions and saved cards its PSP state file remembers: read when the file exists, otherwise
 * generated and written (the folder is created if missing). Two processes starting at once
 * agree on one pair.
 */
export function loadOrCreateSandboxKeys(file: string): { secretKey: string; webhookSecret: string } {
  const existing = readKeysFile(file);
  if (existing) return existing;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const keys = {
    secretKey: `sbx_sk_${randomBytes(24).toString('hex')}`,
    webhookSecret: `sbx_whsec_${randomBytes(24).toString('hex')}`,
  };
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // A hard link fails when the file exists: whoever links first wins, nobody overwrites.
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      unlinkSync(temp);
      throw error;
    }
  }
  unlinkSync(temp);
  return readKeysFile(file) ?? keys;
}
