import { describe, expect, it } from 'vitest';
import { clientAddressOf, unknownAddress } from '../../src/http/clientAddress';

const frontDoorId = '3f2a8c6e-0d4b-4a57-9b1e-2c7d5e9f1a30';

function addressOf(headers: Record<string, string>): string {
  return clientAddressOf(new Headers(headers), frontDoorId);
}

describe('clientAddressOf', () => {
  it("takes X-Azure-SocketIP only from a request carrying this deployment's Front Door id", () => {
    const viaFrontDoor = {
      'x-azure-socketip': '198.51.100.7',
      'x-forwarded-for': '203.0.113.9, 10.0.0.4:50123',
    };
    expect(addressOf({ ...viaFrontDoor, 'x-azure-fdid': frontDoorId.toUpperCase() })).toBe('198.51.100.7');
    // Another Front Door's id, none, or none configured: the platform's socket address instead.
    expect(addressOf({ ...viaFrontDoor, 'x-azure-fdid': '00000000-0000-4000-8000-000000000001' })).toBe(
      '10.0.0.4',
    );
    expect(addressOf(viaFrontDoor)).toBe('10.0.0.4');
    expect(clientAddressOf(new Headers({ ...viaFrontDoor, 'x-azure-fdid': frontDoorId }), undefined)).toBe(
      '10.0.0.4',
    );
  });

  it('never believes X-Azure-ClientIP or the entries a client put first in X-Forwarded-For', () => {
    expect(
      addressOf({
        'x-azure-clientip': '203.0.113.1',
        'x-forwarded-for': '203.0.113.2, 203.0.113.3, 192.0.2.10:41000',
      }),
    ).toBe('192.0.2.10');
    // A bad entry in the last place is not replaced by an earlier one.
    expect(addressOf({ 'x-forwarded-for': '203.0.113.2, not-an-address' })).toBe(unknownAddress);
    expect(addressOf({})).toBe(unknownAddress);
  });

  it('reads the last value of a repeated Front Door header, the one Front Door set', () => {
    expect(
      addressOf({
        'x-azure-fdid': `00000000-0000-4000-8000-000000000001, ${frontDoorId}`,
        'x-azure-socketip': '203.0.113.5, 198.51.100.8',
        'x-forwarded-for': '10.0.0.4:1',
      }),
    ).toBe('198.51.100.8');
  });

  it('keys IPv4 without its port and IPv6 by its /64', () => {
    expect(addressOf({ 'x-forwarded-for': '[2001:db8:aa:bb:1:2:3:4]:443' })).toBe('2001:db8:aa:bb::/64');
    expect(addressOf({ 'x-forwarded-for': '2001:DB8:AA:BB::99' })).toBe('2001:db8:aa:bb::/64');
    expect(addressOf({ 'x-forwarded-for': '2001:db8::1' })).toBe('2001:db8:0:0::/64');
    expect(addressOf({ 'x-forwarded-for': '[::ffff:127.0.0.1]:5000' })).toBe('127.0.0.1');
    expect(addressOf({ 'x-forwarded-for': '::1' })).toBe('0:0:0:0::/64');
  });
});
