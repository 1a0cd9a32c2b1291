import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser connection string of the run's PostgreSQL server; give each test file its own database with createTestDatabase. */
    postgresUrl: string;
  }
}

/**
 * Vitest globalSetup: one PostgreSQL server for the whole run (globalSetup runs once, in the main
 * process, not per test file or worker). Throwing here fails the run, so a missing server is never a skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startPostgres();
  project.provide('postgresUrl', postgres.url);
  return () => postgres.stop();
}
