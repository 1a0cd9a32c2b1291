import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/apps/react/', // where the shop serves the built app (apps/react/dist)
  plugins: [react()],
});
