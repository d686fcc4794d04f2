/**
 * The React wrappers (components/react), rendered with react-dom/server in Node: each wrapper renders its
 * element's tag with the attributes it was given (lit's Node build provides the DOM shim).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import {
  BillkitBillingDetails, BillkitCancelFlow, BillkitCheckout, BillkitInvoiceList, BillkitPaymentMethod, BillkitPlanPicker,
  BillkitPlanSwitch, BillkitPortal, BillkitSignIn, BillkitSubscription,
} from '../../components/react/index.js';

describe('React wrappers', () => {
  it('when <BillkitPlanPicker> is rendered, then it renders <billkit-plan-picker> and passes plain attributes through', () => {
    // The element's own props (family, highlight) are set as properties on the client, so they are not markup.
    const html = renderToString(createElement(BillkitPlanPicker, { family: 'cloud', id: 'plans', className: 'pricing' } as never));
    assert.match(html, /^<billkit-plan-picker/);
    assert.match(html, /id="plans"/);
    assert.match(html, /class="pricing"/);
  });

  it('when <BillkitCheckout> is rendered with an event prop, then the prop does not leak into the markup', () => {
    const html = renderToString(createElement(BillkitCheckout, { plan: 'pro', onCheckoutComplete: () => {} } as never));
    assert.match(html, /^<billkit-checkout/);
    assert.doesNotMatch(html, /onCheckoutComplete|oncheckoutcomplete/i);
  });

  it('when the portal wrappers are rendered with event props, then they render their tags and no event prop leaks', () => {
    for (const [wrapper, tag] of [[BillkitPortal, 'billkit-portal'], [BillkitSignIn, 'billkit-sign-in'], [BillkitSubscription, 'billkit-subscription']] as [never, string][]) {
      const html = renderToString(createElement(wrapper, { id: 'x', onPortalSignIn: () => {}, onSubscriptionUpdate: () => {} } as never));
      assert.match(html, new RegExp(`^<${tag}`));
      assert.match(html, /id="x"/);
      assert.doesNotMatch(html, /onPortalSignIn|onSubscriptionUpdate/i);
    }
  });

  it("when the portal's account wrappers are rendered with their event props, then they render their tags without the props", () => {
    const cases = [
      [BillkitInvoiceList, 'billkit-invoice-list', { subscription: 'sub_1', onInvoiceDownload: () => {} }],
      [BillkitBillingDetails, 'billkit-billing-details', { session: 'ps_1', onBillingDetailsUpdate: () => {} }],
      [BillkitPaymentMethod, 'billkit-payment-method', { session: 'ps_1', onPaymentMethodUpdate: () => {} }],
    ] as const;
    for (const [wrapper, tag, props] of cases) {
      const html = renderToString(createElement(wrapper as never, { ...props, id: 'part' } as never));
      assert.match(html, new RegExp(`^<${tag}`));
      assert.match(html, /id="part"/);
      assert.doesNotMatch(html, /onInvoiceDownload|onBillingDetailsUpdate|onPaymentMethodUpdate/i);
    }
  });

  it('when <BillkitPlanSwitch> and <BillkitCancelFlow> are rendered with event props, then they render their tags and the props stay out of the markup', () => {
    const change = renderToString(createElement(BillkitPlanSwitch, { subscription: 'sub_1', id: 'switch', onSubscriptionChange: () => {}, onClose: () => {} } as never));
    assert.match(change, /^<billkit-plan-switch/);
    assert.match(change, /id="switch"/);
    assert.doesNotMatch(change, /onSubscriptionChange|onclose/i);
    const cancel = renderToString(createElement(BillkitCancelFlow, { subscription: 'sub_1', onSubscriptionCancel: () => {}, onSubscriptionUpdate: () => {} } as never));
    assert.match(cancel, /^<billkit-cancel-flow/);
    assert.doesNotMatch(cancel, /onSubscription/i);
  });
});
