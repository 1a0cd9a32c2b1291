// Tests: `node --import <this file>` with CHECKOUT_WIDGET_HIDE_PACKAGES=a,b makes those packages
// missing, as in an install without them: Node's own resolution answers from a folder with no
// node_modules, so the error is Node's real ERR_MODULE_NOT_FOUND ("Cannot find package 'a' …").
import { register } from 'node:module';

const hidden = (process.env.CHECKOUT_WIDGET_HIDE_PACKAGES ?? '').split(',').filter(Boolean);
if (hidden.length > 0) register('./hide-packages-hooks.mjs', import.meta.url, { data: { hidden } });
