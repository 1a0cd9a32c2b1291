import { measureBackend } from './backend.js';
const r = await measureBackend({ rounds: 1, durationSeconds: 2, connections: 10 });
for (const [k, v] of Object.entries(r.variants)) console.log(k, v.requestsPerSecond.median.toFixed(0), v.p50Ms, v.p99Ms, v.errors, v.non2xx);
console.log(r.ratio, r.stubRatio, r.pspShare);
