import { describe, expect, it } from 'vitest';
import { timeline, timelineItem } from './timeline';

describe('timeline model', () => {
  it('describes each entry type of a cluster history', () => {
    expect(timelineItem({ type: 'Registered', time: 't', namespace: 'clusternet-abcde', syncMode: 'Pull',
      labels: { region: 'eu' } })).toMatchObject({ title: 'Registered', tone: 'good',
      detail: 'namespace clusternet-abcde · sync Pull · labels region=eu' });
    expect(timelineItem({ type: 'FirstStatus', time: 't',
      changes: { k8sVersion: { from: null, to: 'v1.30.2' }, ready: { from: null, to: 'True' } } }))
      .toMatchObject({ title: 'First status report', tone: 'good', detail: 'k8sVersion: ∅ → v1.30.2; ready: ∅ → True' });
    expect(timelineItem({ type: 'StatusChanged', time: 't', changes: { readyz: { from: true, to: false } } }))
      .toMatchObject({ tone: 'bad', detail: 'readyz: true → false' });
    expect(timelineItem({ type: 'HealthUnknown', time: 't', reason: 'no heartbeat for 9m' }))
      .toMatchObject({ title: 'Health unknown', tone: 'bad', detail: 'no heartbeat for 9m' });
    expect(timelineItem({ type: 'LabelsChanged', time: 't', labels: { tier: 'edge', old: null } }))
      .toMatchObject({ detail: 'tier=edge, -old' });
    expect(timelineItem({ type: 'PhaseChanged', time: 't', from: 'Pending', to: 'Failure', reason: 'boom' }))
      .toMatchObject({ title: 'Phase Pending → Failure', tone: 'bad', detail: 'boom' });
    expect(timelineItem({ type: 'Whatever', time: 't' })).toMatchObject({ title: 'Whatever', tone: 'info' });
  });

  it('describes a cluster\'s Description entries by name, generation and reason', () => {
    const description = { namespace: 'clusternet-abcde', name: 'app-demo-generic' };
    expect(timelineItem({ type: 'DescriptionAssigned', time: 't', description, generation: 1, phase: 'Pending' }))
      .toMatchObject({ title: 'Description assigned', tone: 'info', detail: 'app-demo-generic · generation 1' });
    expect(timelineItem({ type: 'DescriptionDeployed', time: 't', description, generation: 2 }))
      .toMatchObject({ title: 'Description deployed', tone: 'good' });
    expect(timelineItem({ type: 'DescriptionFailed', time: 't', description, generation: 2, reason: 'image pull failed' }))
      .toMatchObject({ title: 'Description failed', tone: 'bad', detail: 'app-demo-generic · generation 2 · image pull failed' });
    expect(timelineItem({ type: 'DescriptionRemoved', time: 't', description, generation: 2 }))
      .toMatchObject({ title: 'Description removed', tone: 'warn' });
  });

  it('keeps entries of different journals with the same sequence number and time', () => {
    const at = '2024-05-10T12:00:00Z';
    expect(timeline([
      { type: 'DescriptionAssigned', time: at, sequence: 1, description: { name: 'a-generic' } },
      { type: 'DescriptionAssigned', time: at, sequence: 1, description: { name: 'a-helm' } },
    ])).toHaveLength(2);
  });

  it('merges pages in time order without duplicates', () => {
    const page1 = [
      { type: 'Registered', time: '2024-05-10T12:00:00.100Z', sequence: 1 },
      { type: 'FirstStatus', time: '2024-05-10T12:00:01Z', sequence: 2, changes: {} },
    ];
    const page2 = [
      { type: 'FirstStatus', time: '2024-05-10T12:00:01Z', sequence: 2, changes: {} },
      { type: 'LabelsChanged', time: '2024-05-10T12:00:01Z', sequence: 4, labels: {} },
      { type: 'HealthUnknown', time: '2024-05-10T12:09:00Z', sequence: 5 },
    ];
    expect(timeline([...page2, ...page1]).map((i) => i.type))
      .toEqual(['Registered', 'FirstStatus', 'LabelsChanged', 'HealthUnknown']);
  });
});
