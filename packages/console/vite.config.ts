import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

/** Where `vite dev` / `vite preview` forward GraphQL: a local `relay start` control plane. */
const CONTROLPLANE_URL = 'http://127.0.0.1:4000';

// The control plane serves dist/ at `/` next to `/graphql`, so the bundle uses root-relative
// URLs and same-origin requests; the dev servers proxy `/graphql` to get the same origin.
// No source maps in the build: they would publish the source to anyone who can load the page
// (`vite dev` still maps, for debugging).
export default defineConfig({
  base: '/',
  plugins: [solid()],
  server: { proxy: { '/graphql': CONTROLPLANE_URL, '/export': CONTROLPLANE_URL } },
  preview: { proxy: { '/graphql': CONTROLPLANE_URL, '/export': CONTROLPLANE_URL } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
});
