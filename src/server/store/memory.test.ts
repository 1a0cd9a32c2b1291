import { describeStoreConformance } from './conformance.js';
import { createMemoryStore } from './memory.js';

describeStoreConformance('memory store', async () => ({ store: createMemoryStore() }));
