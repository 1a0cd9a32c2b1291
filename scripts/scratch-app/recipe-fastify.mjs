// docs/recipes/fastify.md: Fastify 5 with the sandbox PSP (npm install fastify@5 @hono/node-server).
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Fastify from 'fastify';
import { createCheckoutHandler } from 'checkout-widget/server';
import { startSandbox, toNodeListener } from 'checkout-widget/server/node';
import { catalog, cdnDir, page } from './shop.mjs';

const sandbox = await startSandbox();
const handler = createCheckoutHandler({ providers: [sandbox.provider], catalog });
const listener = toNodeListener(handler);

const app = Fastify();
// Leave the body unread: webhook signatures are checked on the raw bytes.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_request, _payload, done) => done(null));
app.all('/api/checkout/*', (request, reply) => {
  reply.hijack();
  void listener(request.raw, reply.raw);
});
app.get('/cdn/:file', async (request, reply) =>
  reply.type('text/javascript').send(await readFile(join(cdnDir, basename(request.params.file)))),
);
app.get('/', (_request, reply) => reply.type('text/html').send(page));

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`READY ${address}`);
