import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// Tower's URL for the dev server proxy (`npm run dev -w tower-ui`); in production Tower serves
// `dist/` itself on the same port, so the browser only ever talks to one origin.
const towerUrl = process.env.TOWER_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // `source` makes @tailslide/contracts resolve to its TypeScript sources: no stale dist.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': { target: towerUrl, changeOrigin: true },
      '/socket.io': { target: towerUrl, ws: true, changeOrigin: true },
    },
  },
});
