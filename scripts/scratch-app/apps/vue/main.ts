// Registers <checkout-widget> before Vue first renders it, so `:payload` is set as a property.
import 'checkout-widget/define';
import { createApp } from 'vue';
import App from './App.vue';

createApp(App).mount('#app');
