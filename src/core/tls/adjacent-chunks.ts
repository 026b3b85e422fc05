/**
 * Joins application data that lies back to back in one buffer into one chunk. Records opened one
 * after another into the same slab are adjacent (TLS 1.3's content-type byte is given back, see
 * OutputSlab.trim), so the sixteen records of one transport read reach the consumer as one chunk:
 * one push, one 'data' event and one write downstream instead of sixteen.
 */
export class AdjacentChunks {
  private first: Buffer | undefined;
  private length = 0;

  /** True while a chunk is held that nobody has been given yet. */
  get holding(): boolean {
    return this.first !== undefined;
  }

  /** Holds `data`; returns the chunk held so far when `data` does not continue it. */
  add(data: Buffer): Buffer | undefined {
    const f = this.first;
    if (f && f.buffer === data.buffer && f.byteOffset + this.length === data.byteOffset) {
      this.length += data.length;
      return undefined;
    }
    const held = this.take();
    this.first = data;
    this.length = data.length;
    return held;
  }

  /** The chunk held so far, and stops holding it. */
  take(): Buffer | undefined {
    const f = this.first;
    this.first = undefined;
    if (!f || this.length === f.length) return f;
    return Buffer.from(f.buffer, f.byteOffset, this.length);
  }
}
