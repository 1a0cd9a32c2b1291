/** Opens a SQLite store on the file in argv and migrates it, as a handler's first request would; exits 0 on success. */
import { createSqliteStore } from '../store/sqlite.js';

// All processes start at the same moment (argv[3], epoch ms): the race the lock is for.
const startAt = Number(process.argv[3] ?? 0);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
const store = createSqliteStore({ path: process.argv[2]! });
try {
  await store.migrate();
  await store.listOrders();
  await store.close();
} catch (error) {
  // The code and stack say which step met the lock (open, WAL switch, migration), should one fail.
  console.error(error instanceof Error ? `${error.message} (${String((error as { code?: unknown }).code)})\n${error.stack}` : error);
  process.exit(1);
}
