/**
 * Newline-delimited JSON as the hub's watch streams it: chunks arrive split anywhere (inside a
 * line, inside a UTF-8 character); whole lines come out parsed, the rest waits for the next chunk.
 */
export class LineSplitter<T = unknown> {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array | string): T[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const out: T[] = [];
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) out.push(JSON.parse(line) as T);
      newline = this.buffer.indexOf('\n');
    }
    return out;
  }

  /** What is left when the stream ends (a last line without a newline). */
  end(): T[] {
    const rest = (this.buffer + this.decoder.decode()).trim();
    this.buffer = '';
    return rest ? [JSON.parse(rest) as T] : [];
  }
}

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}
