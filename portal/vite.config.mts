/**
 * The admin portal's build: a static single-page application in portal/dist, served by the
 * embedded runtime at `/` (src/local/portalSite.ts) and, in Azure, from a storage static website
 * per region behind Front Door (docs/deploy.md). Relative asset paths, so it works from any base.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** `npm run portal:dev` proxies the API and the sign-in to a running `npm start`. */
const runtime = process.env['PORTAL_RUNTIME'] ?? 'http://localhost:7071';

export default defineConfig({
  root: import.meta.dirname,
  server: { proxy: { '/api': runtime, '/local': runtime, '/portal-config.json': runtime } },
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2_000 },
  logLevel: 'warn',
});
