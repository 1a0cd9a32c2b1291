import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run test:package`: the packed package in scratch projects (scripts/package-install.test.ts), after the build. */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['scripts/package-install.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
  },
});
