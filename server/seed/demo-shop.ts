/**
 * The demo shop's own server code: what a merchant's backend does for its signed-in user. It calls Billkit's
 * API with the secret key, like any merchant server would (nothing here reaches into Billkit's insides), and
 * hands the browser only the customer session's client secret.
 */

/** The demo's one "signed-in user": the shop's own user id is the customer's refKey. */
export const DEMO_USER = { refKey: 'demo-user-ada', email: 'ada@demo-shop.example', name: 'Ada Lovelace', country: 'DE' } as const;

/** Makes a customer session for the demo user through POST /v1/customer-sessions. */
export function demoUserSession(api: string, secretKey: string) {
  return async (): Promise<{ clientSecret: string; expiresAt: string }> => {
    const res = await fetch(`${api}/v1/customer-sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${secretKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(DEMO_USER),
    });
    const body = await res.json();
    if (res.status !== 201) throw new Error(`customer session refused: ${res.status} ${JSON.stringify(body)}`);
    return { clientSecret: body.clientSecret, expiresAt: body.expiresAt };
  };
}

/**
 * The shop's "Manage subscription" for the demo user: finds the customer by the shop's user id (refKey) and opens a
 * portal session through POST /v1/portal-sessions; null while the user has bought nothing (no customer yet).
 */
export function demoPortalSession(api: string, secretKey: string) {
  const call = (method: string, path: string, body?: unknown) => fetch(`${api}${path}`, {
    method,
    headers: { Authorization: `Bearer ${secretKey}`, 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return async (returnUrl?: string): Promise<{ url: string; expiresAt: string } | null> => {
    const found = await call('GET', `/v1/customers/by-ref/${encodeURIComponent(DEMO_USER.refKey)}`);
    if (found.status === 404) return null;
    const customer = await found.json();
    if (found.status !== 200) throw new Error(`customer lookup refused: ${found.status} ${JSON.stringify(customer)}`);
    const res = await call('POST', '/v1/portal-sessions', { customerId: customer.id, ...(returnUrl ? { returnUrl } : {}) });
    const body = await res.json();
    if (res.status !== 201) throw new Error(`portal session refused: ${res.status} ${JSON.stringify(body)}`);
    return { url: body.url, expiresAt: body.expiresAt };
  };
}
