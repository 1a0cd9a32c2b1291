/**
 * The made-up hosts the tests send requests to without `publicUrl`: a handler answers only loopback
 * hosts unless they are listed (`allowedHosts`), as a shop's production handler must list its own.
 */
export const TEST_HOSTS = ['shop.example', 'api.example', 'shop.test', 'shop.test:5173', 'psp.test'];
