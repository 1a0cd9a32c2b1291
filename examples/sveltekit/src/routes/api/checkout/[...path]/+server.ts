// src/routes/api/checkout/[...path]/+server.ts: the backend under /api/checkout/
import type { RequestHandler } from './$types';
import { checkoutHandler } from '$lib/server/checkout';

const handle: RequestHandler = async ({ request }) => (await checkoutHandler())(request);
export const GET = handle;
export const POST = handle;
