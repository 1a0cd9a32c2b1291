import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The bench pages' origin, run by `bench-server-main.ts` in a child process (see there). */
export interface BenchServer {
  url: string;
  close(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./bench-server-main.ts', import.meta.url));

export async function startBenchServer(shopUrl: string, cdnDir: string): Promise<BenchServer> {
  // The same Node and TypeScript loader as this process (tsx puts its hooks in execArgv).
  const child = spawn(process.execPath, [...process.execArgv, MAIN, shopUrl, cdnDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      // Whole lines only: a chunk may end mid-line.
      const line = output.split('\n').slice(0, -1).find((candidate) => candidate.startsWith('{'));
      if (!line) return;
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code}) before it listened`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        // Gone already, by exit or by a signal.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
