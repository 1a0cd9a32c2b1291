/**
 * Writes `src/server/store/sqlite-statements.generated.ts`: the D1 store's statements and
 * migrations, compiled to SQLite's text by Kysely (`sqlite-statements.source.ts`). A unit test fails
 * when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedModule } from '../src/server/store/sqlite-statements.source.js';

const target = fileURLToPath(new URL('../src/server/store/sqlite-statements.generated.ts', import.meta.url));
writeFileSync(target, await generatedModule());
console.log(`wrote ${target}`);
