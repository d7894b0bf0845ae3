import { describe, expect, it } from 'vitest';
import { LineSplitter } from './ndjson';

describe('watch stream lines', () => {
  it('parses lines split anywhere, UTF-8 characters included', () => {
    const lines = new LineSplitter();
    const bytes = new TextEncoder().encode('{"type":"ADDED","object":{"n":"é"}}\n{"type":"MODIF');
    expect(lines.push(bytes.slice(0, 30))).toEqual([]);
    expect(lines.push(bytes.slice(30))).toEqual([{ type: 'ADDED', object: { n: 'é' } }]);
    expect(lines.push('IED","object":{}}\n\n{"type":"DELETED","object":{}}')).toEqual([{ type: 'MODIFIED', object: {} }]);
    expect(lines.end()).toEqual([{ type: 'DELETED', object: {} }]);
  });
});
