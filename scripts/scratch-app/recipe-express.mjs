// docs/recipes/express.md: Express 5 with the sandbox PSP (npm install express@5 @hono/node-server).
import express from 'express';
import { createCheckoutHandler } from 'checkout-widget/server';
import { checkoutMiddleware, startSandbox } from 'checkout-widget/server/node';
import { catalog, cdnDir, page } from './shop.mjs';

const sandbox = await startSandbox();
const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog });

const app = express();
app.use(checkoutMiddleware(handler)); // before any body parser: webhooks are verified on the raw body
app.use(express.json()); // your own routes' parser, after it
app.use('/cdn', express.static(cdnDir));
app.get('/', (_request, response) => void response.type('html').send(page));

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`READY http://127.0.0.1:${server.address().port}`);
});
