import { describe, expect, it } from 'vitest';
import { descriptionFailures, feedKey, rollout } from './rollout';

const sub = {
  metadata: { name: 'app', namespace: 'default', generation: 2 },
  spec: { schedulingStrategy: 'Dividing' },
  status: {
    bindingClusters: ['clusternet-aaaaa/shop-1', 'clusternet-bbbbb/shop-2'],
    replicas: { 'apps/v1/Deployment/foo/web': [2, 1] },
    desiredReleases: 2,
    completedReleases: 1,
    aggregatedStatuses: [
      { apiVersion: 'v1', kind: 'Namespace', name: 'foo',
        feedStatusSummary: { available: false },
        feedStatusDetails: [{ clusterName: 'shop-1', available: true }, { clusterName: 'shop-2' }] },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'foo', name: 'web',
        feedStatusSummary: { available: false, replicaStatus: { replicas: 2, readyReplicas: 2 } },
        feedStatusDetails: [{ clusterName: 'shop-1', available: true, replicaStatus: { replicas: 2, readyReplicas: 2 } },
          { clusterName: 'shop-2' }] },
    ],
    conditions: [{ type: 'FeedsReady', status: 'False', reason: 'FeedNotFound', message: 'ConfigMap foo/x not found' }],
  },
};

describe('rollout model', () => {
  it('reads progress, per-cluster replicas and availability, and failures', () => {
    const r = rollout(sub);
    expect(r).toMatchObject({ name: 'app', namespace: 'default', desired: 2, completed: 1, percent: 50, done: false });
    expect(r.clusters).toEqual([
      { binding: 'clusternet-aaaaa/shop-1', namespace: 'clusternet-aaaaa', name: 'shop-1',
        replicas: { 'apps/v1/Deployment/foo/web': 2 }, availableFeeds: 2, totalFeeds: 2, readyReplicas: 2, wantedReplicas: 2 },
      { binding: 'clusternet-bbbbb/shop-2', namespace: 'clusternet-bbbbb', name: 'shop-2',
        replicas: { 'apps/v1/Deployment/foo/web': 1 }, availableFeeds: 0, totalFeeds: 2 },
    ]);
    expect(r.feeds.map((f) => f.key)).toEqual(['v1/Namespace/foo', 'apps/v1/Deployment/foo/web']);
    expect(r.failures).toEqual([{ where: 'condition FeedsReady', reason: 'FeedNotFound: ConfigMap foo/x not found' }]);
  });

  it('is done when every desired release completed, and empty before the hub scheduled', () => {
    expect(rollout({ ...sub, status: { ...sub.status, completedReleases: 2 } }).done).toBe(true);
    expect(rollout({ metadata: { name: 'new' } })).toMatchObject({ desired: 0, completed: 0, percent: 0, done: false, clusters: [] });
  });

  it('lists failed Descriptions with their reasons', () => {
    expect(descriptionFailures([
      { metadata: { namespace: 'ns', name: 'app-generic' }, status: { phase: 'Failure', reason: 'render failed: x' } },
      { metadata: { namespace: 'ns', name: 'ok-generic' }, status: { phase: 'Success' } },
    ])).toEqual([{ where: 'ns/app-generic', reason: 'render failed: x' }]);
    expect(feedKey({ apiVersion: 'v1', kind: 'Namespace', name: 'foo' })).toBe('v1/Namespace/foo');
  });
});
