// The inline starter (README, "Start during the parse"): the build minifies this file into
// dist/cdn/starter.js, starter.html (the <script> to paste after the <checkout-widget> tag) and
// starter.sha256 (its CSP source). It runs while the parser is still on the page, long before the
// module has been fetched, and sends the create call of every embedded <checkout-widget> parsed so
// far the way the element would (session-start.ts: the same body, the same session memory slot and
// `Idempotency-Key` memory); the element adopts that call (`takeStartedCall`) instead of making its
// own. It imports nothing and is never bundled: keep it small (a budget in e2e/bench/bytes.ts) and
// in step with session-memory.ts (memorySlot, stableJson, hash) and run-controller.ts (when a run
// creates). Anything unusual (another mode, a resume, a chooser, a redirect return, storage
// refused, a remembered session, bad JSON) is left to the element, which then works as without it.
// A block, not a function: its `let`s stay inside it.
{
  // JSON values only: a plain object's constructor is Object (null and arrays are not).
  const plain = (value: unknown): value is Record<string, unknown> => (value as object | null)?.constructor == Object;
  // Not on a redirect return: the element resumes that session. (The whole address, search and hash:
  // a `checkout_result=` in the hash only leaves the start to the element.)
  if (!/checkout_result=/.test(location as unknown as string)) {
    // Embedded ones with an endpoint (`overlay`, `popup`, `redirect` mode, a resume, a chooser, and an
    // element already defined, which reflects its `state` as it connects and has started itself, are
    // the element's own business; an unknown mode is embedded).
    for (const e of document.querySelectorAll<HTMLElement & { _cs?: [string, string, Promise<Response>] }>('checkout-widget[endpoint]')) {
      const attr = (name: string) => e.getAttribute(name);
      try {
        const endpoint = attr('endpoint')!;
        // No payload attribute: JSON.parse(null) is null, no object (below): the element's business.
        const payload = JSON.parse(attr('payload')!);
        const locale = attr('locale') ?? (document.documentElement.lang || navigator.language);
        // Not embedded (`overlay`, `popup`, `redirect` begin after `n`; `embedded`, no mode, an empty
        // one do not), a resume, a chooser, consent first (`load="interaction"`), an element already
        // defined (it reflects its `state` as it connects, and has started itself), a server-rendered
        // session (its JSON in a `<script>` child, renderCheckoutWidget): the element's own business.
        if (!endpoint || attr('mode')?.[0]! > 'n' || attr('session-id') || attr('methods') || attr('load') == 'interaction' || attr('state') || e.querySelector('script') || !plain(payload)) continue;
        // (A JSON object has no undefined members: `in` is the element's `=== undefined`.)
        const body = locale && !('locale' in payload) ? { ...payload, locale } : payload;
        // memorySlot: the hash of the absolute endpoint and the body's JSON with sorted keys (stableJson).
        const text = `${new URL(endpoint, location as unknown as URL)}\n${JSON.stringify(body, (_, item: unknown) => (plain(item) ? Object.fromEntries(Object.entries(item).sort()) : item))}`;
        // FNV-1a per code point (session-memory.ts, hash).
        let h = 0x811c9dc5;
        for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
        const slot = 'checkout-widget:session:' + (h >>> 0).toString(36);
        // A remembered session (a reload) is resumed by the element: a read, not a create. (A second
        // copy of the starter finds this call's entry too.)
        // (Storage's named properties are getItem and setItem; refused storage throws.)
        if (sessionStorage[slot]) continue;
        // A UUID v4 like the element's, the same on every retry. `randomUUID` exists only in a secure
        // context (https, localhost): on a plain-http page it throws and the element starts by itself.
        const key = crypto.randomUUID();
        sessionStorage[slot] = `{"key":"${key}"}`;
        // What the element adopts (session-start.ts, StartedCall): [slot, key, response].
        (e._cs = [slot, key, fetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key }, body: JSON.stringify(body) })])[2]
          // The element reports a failure when it adopts the call; until then it is no unhandled
          // rejection (any function will do as the handler: `plain` is at hand).
          .catch(plain);
      } catch {
        // The element starts as it would without the starter.
      }
    }
  }
}
