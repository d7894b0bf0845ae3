import { describe, expect, it } from 'vitest';
import { clusterRow, compareVersions, sortRows, userLabels } from './clusters';

const cluster = (name: string, version: string, ready: string, created: string) => ({
  metadata: { name, namespace: `ns-${name}`, creationTimestamp: created,
    labels: { region: 'eu', 'clusters.clusternet.io/cluster-id': 'x' } },
  spec: { clusterId: `id-${name}`, syncMode: 'Pull', clusterType: 'EdgeCluster' },
  status: { k8sVersion: version, conditions: [{ type: 'Ready', status: ready }], nodeStatistics: { readyNodes: 2, notReadyNodes: 1 } },
});

describe('cluster rows', () => {
  it('summarises a ManagedCluster', () => {
    expect(clusterRow(cluster('a', 'v1.29.0', 'True', '2024-01-01T00:00:00Z'))).toMatchObject({
      name: 'a', namespace: 'ns-a', clusterId: 'id-a', readiness: 'Ready', k8sVersion: 'v1.29.0', syncMode: 'Pull', nodes: '2/3' });
    expect(userLabels({ region: 'eu', 'clusters.clusternet.io/cluster-id': 'x', app: 'y' })).toEqual([['app', 'y'], ['region', 'eu']]);
  });

  it('sorts within a page by any column, versions numerically', () => {
    const rows = [cluster('b', 'v1.9.0', 'True', '2024-01-02T00:00:00Z'), cluster('a', 'v1.29.0', 'False', '2024-01-03T00:00:00Z'),
      cluster('c', 'v1.10.1', 'Unknown', '2024-01-01T00:00:00Z')].map(clusterRow);
    expect(sortRows(rows, 'name').map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(sortRows(rows, 'name', false).map((r) => r.name)).toEqual(['c', 'b', 'a']);
    expect(sortRows(rows, 'k8sVersion').map((r) => r.name)).toEqual(['b', 'c', 'a']);
    expect(sortRows(rows, 'readiness').map((r) => r.readiness)).toEqual(['NotReady', 'Unknown', 'Ready']);
    expect(sortRows(rows, 'created').map((r) => r.name)).toEqual(['c', 'b', 'a']);
    expect(compareVersions('v1.30.2-sandbox', 'v1.30.10')).toBeLessThan(0);
  });
});
