import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/apps/vue/', // where the shop serves the built app (apps/vue/dist)
  plugins: [vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'checkout-widget' } } })],
});
