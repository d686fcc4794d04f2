/**
 * The test provider's card field logic: its test cards become payment methods in the browser,
 * and no card number ever leaves it (SPEC section 8).
 */

/** Test card numbers and the payment methods they stand for. */
export const TEST_CARDS: Readonly<Record<string, string>> = {
  '4242424242424242': 'pm_card_visa',
  '4000000000000002': 'pm_card_chargeDeclined',
  '4000002760003184': 'pm_card_authenticationRequired',
  // Saved fine, but every charge of it is declined (a renewal that fails: past_due and the portal's new card).
  '4000000000000341': 'pm_card_chargeCustomerFail',
};

export type TestCardResult =
  | { ok: true; paymentMethod: string; last4: string }
  | { ok: false; reason: 'empty' | 'incomplete' | 'unsupported' };

/** Digits only. */
export function cardDigits(input: string): string {
  return input.replace(/\D+/g, '');
}

/** "4242424242424242" -> "4242 4242 4242 4242" (at most 19 digits). */
export function formatCardNumber(input: string): string {
  return cardDigits(input).slice(0, 19).replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** Turns a typed test card into a payment method id, or says why it cannot. */
export function tokenizeTestCard(input: string): TestCardResult {
  const digits = cardDigits(input);
  if (!digits) return { ok: false, reason: 'empty' };
  const paymentMethod = TEST_CARDS[digits];
  if (paymentMethod) return { ok: true, paymentMethod, last4: digits.slice(-4) };
  if (digits.length < 16) return { ok: false, reason: 'incomplete' };
  return { ok: false, reason: 'unsupported' };
}
