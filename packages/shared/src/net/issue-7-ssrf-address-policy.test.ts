import { describe, expect, it } from 'vitest';
import { firstRefusedAddress } from './host-resolver.ts';
import { checkAddress, classifyAddress, classifyHostName, isAlwaysRefused, type AddressCategory } from './upstream-address-policy.ts';
import { checkUpstreamUrl } from './upstream-url-policy.ts';

/** Issue 7: provider base URLs and resolved upstream addresses are checked against a policy (SSRF). */
describe('classifyAddress', () => {
  const table: Array<[string, AddressCategory]> = [
    // Cloud metadata, before the ranges that contain them.
    ['169.254.169.254', 'cloud_metadata'],
    ['fd00:ec2::254', 'cloud_metadata'],
    ['100.100.100.200', 'cloud_metadata'],
    ['168.63.129.16', 'cloud_metadata'],
    ['::ffff:169.254.169.254', 'cloud_metadata'],
    ['::ffff:a9fe:a9fe', 'cloud_metadata'],
    ['[::ffff:a9fe:a9fe]', 'cloud_metadata'],
    ['64:ff9b::a9fe:a9fe', 'cloud_metadata'],
    ['64:ff9b::169.254.169.254', 'cloud_metadata'],
    ['2002:a9fe:a9fe::1', 'cloud_metadata'],
    // Link-local.
    ['169.254.0.1', 'link_local'],
    ['169.254.170.2', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf:ffff::1', 'link_local'],
    ['::ffff:169.254.1.1', 'link_local'],
    // Unspecified.
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['::ffff:0.0.0.0', 'unspecified'],
    // Loopback.
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    // Private.
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.254', 'private'],
    ['198.18.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:10.1.2.3', 'private'],
    ['64:ff9b::a01:203', 'private'],
    ['64:ff9b:1::1', 'private'],
    // Multicast, broadcast, reserved.
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['::7f00:1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'],
    // Public: the neighbours of every range stay public.
    ['8.8.8.8', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.1', 'public'],
    ['169.253.255.255', 'public'],
    ['11.0.0.1', 'public'],
    ['2606:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::808:808', 'public'],
  ];
  it.each(table)('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it('is null for anything that is not an IP address', () => {
    for (const text of ['example.com', '2852039166', '0xa9.0xfe.0xa9.0xfe', '', 'localhost', '1.2.3']) expect(classifyAddress(text)).toBeNull();
  });
});

describe('classifyHostName', () => {
  it('knows metadata service names in any case and with a trailing dot, and localhost', () => {
    for (const name of ['metadata.google.internal', 'METADATA.Google.Internal.', 'metadata.goog', 'metadata', 'instance-data.ec2.internal']) {
      expect(classifyHostName(name)).toBe('cloud_metadata');
    }
    expect(classifyHostName('localhost')).toBe('loopback');
    expect(classifyHostName('ollama.localhost')).toBe('loopback');
    expect(classifyHostName('api.openai.com')).toBeNull();
    expect(classifyHostName('metadata.google.internal.example.com')).toBeNull();
  });
});

describe('checkAddress with a policy', () => {
  const closed = { allowLoopback: false, allowPrivate: false };
  const open = { allowLoopback: true, allowPrivate: true };
  it('refuses loopback and private unless allowed, and the rest always', () => {
    expect(checkAddress('127.0.0.1', closed)).toEqual({ allowed: false, category: 'loopback' });
    expect(checkAddress('127.0.0.1', { allowLoopback: true, allowPrivate: false })).toEqual({ allowed: true, category: 'loopback' });
    expect(checkAddress('10.0.0.1', { allowLoopback: true, allowPrivate: false })).toEqual({ allowed: false, category: 'private' });
    expect(checkAddress('10.0.0.1', { allowLoopback: false, allowPrivate: true })).toEqual({ allowed: true, category: 'private' });
    for (const address of ['169.254.169.254', 'fe80::1', '0.0.0.0', '::', '224.0.0.1', '255.255.255.255', 'fd00:ec2::254', '::ffff:169.254.169.254']) {
      const verdict = checkAddress(address, open);
      expect(verdict.allowed, address).toBe(false);
      expect(isAlwaysRefused(verdict.category), address).toBe(true);
    }
    expect(checkAddress('8.8.8.8', closed)).toEqual({ allowed: true, category: 'public' });
  });

  it('refuses a resolved name when any one of its addresses is refused', () => {
    const answers = [
      { address: '8.8.8.8', family: 4 },
      { address: '169.254.169.254', family: 4 },
    ];
    expect(firstRefusedAddress(answers, closed)).toEqual({ address: '169.254.169.254', category: 'cloud_metadata' });
    expect(firstRefusedAddress(answers.slice(0, 1), closed)).toBeNull();
  });
});

describe('checkUpstreamUrl', () => {
  const closed = { allowLoopback: false, allowPrivate: false };
  const loopbackOnly = { allowLoopback: true, allowPrivate: false };
  const refusedAs = (category: AddressCategory) => ({ kind: 'refused', problem: 'address', category });

  it.each([
    // Every spelling of the metadata address the WHATWG parser accepts.
    ['http://169.254.169.254/latest/meta-data/', 'cloud_metadata'],
    ['http://2852039166/', 'cloud_metadata'],
    ['http://0xa9.0xfe.0xa9.0xfe/', 'cloud_metadata'],
    ['http://0xA9FEA9FE/', 'cloud_metadata'],
    ['http://0251.0376.0251.0376/', 'cloud_metadata'],
    ['http://169.254.43518/', 'cloud_metadata'],
    ['http://169.254.169.254./', 'cloud_metadata'],
    ['http://[::ffff:169.254.169.254]/', 'cloud_metadata'],
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', 'cloud_metadata'],
    ['http://[64:ff9b::169.254.169.254]/', 'cloud_metadata'],
    ['http://[fd00:ec2::254]/latest/', 'cloud_metadata'],
    ['http://100.100.100.200/', 'cloud_metadata'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'cloud_metadata'],
    ['http://METADATA.GOOGLE.INTERNAL./', 'cloud_metadata'],
    ['http://ｍetadata.google.internal/', 'cloud_metadata'],
    ['http://metadata.goog/', 'cloud_metadata'],
    ['http://169.254.1.2:8080/v1', 'link_local'],
    ['http://[fe80::1]/', 'link_local'],
    ['http://0.0.0.0:11434/v1', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://255.255.255.255/', 'reserved'],
    ['http://10.1.2.3:8000/v1', 'private'],
    ['http://0x0a.1/', 'private'],
    ['http://[fd12::1]/', 'private'],
  ])('refuses %s as %s even with loopback allowed', (url, category) => {
    expect(checkUpstreamUrl(url, loopbackOnly)).toEqual(refusedAs(category as AddressCategory));
  });

  it('refuses loopback spellings by default and accepts them when loopback is allowed', () => {
    for (const url of ['http://127.0.0.1:11434/v1', 'http://2130706433/', 'http://0x7f.1/', 'http://017700000001/', 'http://[::1]:8000/v1', 'http://[::ffff:127.0.0.1]/', 'http://localhost:11434/v1', 'http://vllm.localhost/v1']) {
      expect(checkUpstreamUrl(url, closed), url).toMatchObject({ kind: 'refused', category: 'loopback' });
      expect(checkUpstreamUrl(url, loopbackOnly).kind, url).not.toBe('refused');
    }
    expect(checkUpstreamUrl('http://0x7f.1/', loopbackOnly)).toEqual({ kind: 'address', address: '127.0.0.1', category: 'loopback' });
    expect(checkUpstreamUrl('http://[::1]:8000/v1', loopbackOnly)).toEqual({ kind: 'address', address: '::1', category: 'loopback' });
  });

  it('leaves other names to their resolved addresses', () => {
    expect(checkUpstreamUrl('https://api.openai.com/v1', closed)).toEqual({ kind: 'name', hostName: 'api.openai.com', category: null });
    expect(checkUpstreamUrl('https://8.8.8.8/v1', closed)).toEqual({ kind: 'address', address: '8.8.8.8', category: 'public' });
  });

  it('refuses other schemes, unparsable text and credentials in the URL', () => {
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'gopher://127.0.0.1/', 'not a url', 'http://']) {
      expect(checkUpstreamUrl(url, loopbackOnly), url).toEqual({ kind: 'refused', problem: 'not_http' });
    }
    expect(checkUpstreamUrl('https://user:secret@api.example.com/v1', loopbackOnly)).toEqual({ kind: 'refused', problem: 'credentials' });
    expect(checkUpstreamUrl('https://sk-abc@api.example.com/v1', loopbackOnly)).toEqual({ kind: 'refused', problem: 'credentials' });
  });
});
