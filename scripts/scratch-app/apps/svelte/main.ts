// Registers <checkout-widget> before Svelte first renders it, so `{payload}` is set as a property.
import 'checkout-widget/define';
import { mount } from 'svelte';
import App from './App.svelte';

mount(App, { target: document.getElementById('app')! });
