// app/api/checkout/[...path]/route.ts
import { checkoutHandler } from '@/lib/checkout';

export const runtime = 'nodejs'; // startSandbox is Node only; the handler alone also runs on 'edge'
export const dynamic = 'force-dynamic';

const handle = async (request: Request) => (await checkoutHandler())(request);
export { handle as GET, handle as POST };
