import { describe, expect, it } from 'vitest';
import { clusterListQuery, isLabelKey, labelSelector, parseSelector, requirementText, searchTerm } from './selectors';

describe('label selectors', () => {
  it('writes each kind of requirement as the hub parses it', () => {
    expect(labelSelector([
      { key: 'region', op: '=', value: 'eu' },
      { key: 'tier', op: '!=', value: 'core' },
      { key: 'zone', op: 'in', values: ['b', 'a', 'b'] },
      { key: 'env', op: 'notin', values: ['dev'] },
      { key: 'gpu', op: 'exists' },
      { key: 'legacy', op: '!exists' },
    ])).toBe('region=eu,tier!=core,zone in (a,b),env notin (dev),gpu,!legacy');
    expect(labelSelector([])).toBe('');
  });

  it('refuses keys and values the hub would refuse', () => {
    expect(() => requirementText({ key: 'bad key', op: 'exists' })).toThrow(/label key/);
    expect(() => requirementText({ key: 'region', op: '=', value: 'a b' })).toThrow(/label value/);
    expect(() => requirementText({ key: 'zone', op: 'in', values: [] })).toThrow(/at least one/);
    expect(isLabelKey('clusters.clusternet.io/cluster-id')).toBe(true);
    expect(isLabelKey('-x')).toBe(false);
  });

  it('parses what users type, commas inside sets included', () => {
    expect(parseSelector(' region = eu , zone in (a, b),!legacy, gpu ,tier==edge')).toEqual([
      { key: 'region', op: '=', value: 'eu' },
      { key: 'zone', op: 'in', values: ['a', 'b'] },
      { key: 'legacy', op: '!exists' },
      { key: 'gpu', op: 'exists' },
      { key: 'tier', op: '=', value: 'edge' },
    ]);
    expect(parseSelector('')).toEqual([]);
    expect(() => parseSelector('region = = eu')).toThrow();
  });

  it('builds cluster list queries: selector, name, cluster ID, paging', () => {
    expect(clusterListQuery({ selector: 'region=eu', limit: 50 })).toBe('labelSelector=region%3Deu&limit=50');
    expect(clusterListQuery({ name: 'shop-1', continueToken: 'abc' })).toBe('fieldSelector=metadata.name%3Dshop-1&continue=abc');
    const id = '3B3D4B72-A097-41CA-8714-670BFF58C5B2';
    expect(searchTerm(id)).toEqual({ clusterId: id.toLowerCase() });
    expect(searchTerm(' shop-1 ')).toEqual({ name: 'shop-1' });
    expect(searchTerm('  ')).toEqual({});
    expect(new URLSearchParams(clusterListQuery({ selector: 'region=eu', ...searchTerm(id) })).get('labelSelector'))
      .toBe(`region=eu,clusters.clusternet.io/cluster-id=${id.toLowerCase()}`);
  });
});
