import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPrivateAddress, livePolicy, TEST_MODE_POLICY, urlRefusal } from '../../../server/notify/address-policy.js';

describe('webhook address policy', () => {
  const addresses: [string, boolean][] = [
    ['127.0.0.1', true], ['127.8.9.10', true], ['10.0.0.1', true], ['172.16.0.1', true], ['172.31.255.255', true], ['172.32.0.1', false],
    ['192.168.1.1', true], ['169.254.169.254', true], ['100.64.0.1', true], ['0.0.0.0', true], ['224.0.0.1', true],
    ['::1', true], ['::', true], ['fe80::1', true], ['fd00::1', true], ['::ffff:127.0.0.1', true], ['::ffff:8.8.8.8', false],
    ['8.8.8.8', false], ['93.184.216.34', false], ['2606:4700:4700::1111', false], ['not-an-address', true],
  ];
  for (const [address, refused] of addresses) {
    it(`when the address is ${address}, then it is ${refused ? 'refused' : 'allowed'} in live mode`, () => assert.equal(isPrivateAddress(address), refused));
  }
  const urls: [string, boolean, string | null][] = [
    ['https://hooks.example.com/x', false, null],
    ['http://hooks.example.com/x', false, 'In live mode webhooks go to https URLs only.'],
    ['https://127.0.0.1/x', false, 'In live mode webhooks never go to a loopback, private or link-local address.'],
    ['https://[::1]:8443/x', false, 'In live mode webhooks never go to a loopback, private or link-local address.'],
    ['https://127.0.0.1/x', true, null],
    ['https://user:pw@hooks.example.com/x', false, 'Put no user name or password in the URL.'],
    ['ftp://hooks.example.com/x', false, 'Use an http or https URL.'],
  ];
  for (const [url, allowPrivate, refusal] of urls) {
    it(`when live mode${allowPrivate ? ' with BILLKIT_WEBHOOK_ALLOW_PRIVATE' : ''} is given ${url}, then ${refusal ?? 'it is accepted'}`, () =>
      assert.equal(urlRefusal(new URL(url), livePolicy(allowPrivate)), refusal));
  }
  it('when in test mode, then http://localhost is accepted', () => assert.equal(urlRefusal(new URL('http://localhost:3000/hooks'), TEST_MODE_POLICY), null));
});
