// Builds the Svelte UI into dist/renderer with relative asset URLs, so the same files load from
// app://tuneloom/ in Electron and from http://127.0.0.1:PORT/ in `tuneloom serve`.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
    // Plugin timing reports are noise on a shared 2-core CI box.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
