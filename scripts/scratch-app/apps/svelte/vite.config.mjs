import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/apps/svelte/', // where the shop serves the built app (apps/svelte/dist)
  plugins: [svelte()],
});
