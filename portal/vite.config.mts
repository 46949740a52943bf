/**
 * The admin portal's build: a static single-page application in portal/dist, served by the
 * embedded runtime at `/` (src/local/portalSite.ts) and, in Azure, from a storage static website
 * per region behind Front Door (docs/deploy.md). Relative asset paths, so it works from any base.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2_000 },
  logLevel: 'warn',
});
