import { describe, expect, it } from 'vitest';
import { pageTitle } from './page-title.ts';

describe('page titles (issue 10)', () => {
  it('names every page in the tab title', () => {
    expect(pageTitle('/')).toBe('Overview · ProxyStacks Relay');
    expect(pageTitle('/requests')).toBe('Requests · ProxyStacks Relay');
    expect(pageTitle('/live')).toBe('Live requests · ProxyStacks Relay');
    expect(pageTitle('/nope/deeper')).toBe('Not found · ProxyStacks Relay');
  });
});
