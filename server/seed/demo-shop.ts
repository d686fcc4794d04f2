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
