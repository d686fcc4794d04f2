/** What <billkit-checkout> shares with the elements inside it: one API client and one cart. */
import { createContext } from '@lit/context';
import type { ApiClient } from './api-client.js';
import type { CartStore } from './cart-store.js';
import type { PortalStore } from './portal-store.js';

export const apiClientContext = createContext<ApiClient | undefined>(Symbol('billkit-api-client'));
export const cartContext = createContext<CartStore | undefined>(Symbol('billkit-cart'));

/** What <billkit-portal> shares with its parts: one portal client (one session) and what it knows. */
export const portalContext = createContext<PortalStore | undefined>(Symbol('billkit-portal'));
