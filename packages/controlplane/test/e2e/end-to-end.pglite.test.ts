import { describeEndToEnd } from './end-to-end-suite.ts';

// Embedded default: PGlite inside the relay's data directory.
describeEndToEnd('PGlite', async () => ({ url: null, cleanup: async () => {} }));
