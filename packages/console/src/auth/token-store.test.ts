import { describe, expect, it } from 'vitest';
import { TOKEN_STORAGE_KEY, createTokenStore, normalizeToken } from './token-store.ts';

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

function throwingStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  const fail = (): never => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  };
  return { getItem: fail, setItem: fail, removeItem: fail };
}

describe('createTokenStore', () => {
  it('keeps the token under its own key', () => {
    const storage = memoryStorage();
    const store = createTokenStore(storage);
    expect(store.read()).toBeNull();
    store.write('rat_admin_123');
    expect(storage.items.get(TOKEN_STORAGE_KEY)).toBe('rat_admin_123');
    expect(createTokenStore(storage).read()).toBe('rat_admin_123');
    store.clear();
    expect(storage.items.has(TOKEN_STORAGE_KEY)).toBe(false);
    expect(store.read()).toBeNull();
  });

  it('falls back to memory when storage throws', () => {
    const store = createTokenStore(throwingStorage());
    expect(store.read()).toBeNull();
    store.write('rat_admin_123');
    expect(store.read()).toBe('rat_admin_123');
    store.clear();
    expect(store.read()).toBeNull();
  });

  it('works without any storage', () => {
    const store = createTokenStore(null);
    store.write('t');
    expect(store.read()).toBe('t');
  });
});

describe('normalizeToken', () => {
  it('trims what a paste adds', () => {
    expect(normalizeToken('  abc\n')).toBe('abc');
  });

  it('rejects blank input and inner whitespace', () => {
    expect(normalizeToken('')).toBeNull();
    expect(normalizeToken('   ')).toBeNull();
    expect(normalizeToken('ab c')).toBeNull();
  });
});
