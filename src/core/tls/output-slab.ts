/**
 * Bytes per slab: the plaintext of every record one 256 KB transport read can complete (at most
 * 17; a TLS 1.3 record opens to 16 KB and one byte more), so a released slab takes a whole read
 * again and no read spills over into a new one.
 */
export const SLAB_BYTES = 20 * 16 * 1024;

/** A TLS 1.3 record's plaintext with its content type and the most padding room() must fit. */
const MAX_RECORD_PLAINTEXT = 16 * 1024 + 256;

/** Slabs given back by their consumers, ready to be written over. */
const pool: Buffer[] = [];
/** More than this many idle slabs are left to the garbage collector. */
const POOL_MAX = 4;

/**
 * Memory the AES-GCM addon writes its outputs into: slices of 320 KB slabs, as Node's own pool
 * does for small buffers (a fresh 16 KB buffer per record costs 3-5 us of allocation and GC, a
 * slice well under one). A full slab is left to the garbage collector with whatever slices its
 * consumers still hold, unless its owner knows they hold none and calls release(): the slab is
 * then written over again. A bulk transfer that releases allocates nothing; one that does not
 * drops a slab every twenty records, external memory that makes V8 run full collections
 * (a download to stdout spent twice the CPU on Node 24 with them).
 */
export class OutputSlab {
  private slab: Buffer | undefined;
  private used = 0;

  /** A slice of `length` bytes, valid until release(). */
  take(length: number): Buffer {
    if (length > SLAB_BYTES) return Buffer.allocUnsafe(length);
    if (!this.slab || length > SLAB_BYTES - this.used) {
      this.slab = pool.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const out = this.slab.subarray(this.used, this.used + length);
    this.used += length;
    return out;
  }

  /**
   * The rest of the current slab, or a fresh one when less than a record's worth is left: for a
   * writer that does not know its length in advance. commit() says how much it used.
   */
  room(): Buffer {
    if (!this.slab || SLAB_BYTES - this.used < MAX_RECORD_PLAINTEXT) {
      this.slab = pool.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    return this.slab.subarray(this.used);
  }

  /** The first `length` bytes of the last room(), now taken as a slice. */
  commit(length: number): Buffer {
    return this.take(length);
  }

  /**
   * Gives back the end of `slice`, from `keep` bytes on, when it is the last slice taken: the next
   * slice then starts right after its first `keep` bytes (see AdjacentChunks). Nobody may hold
   * those bytes.
   */
  trim(slice: Buffer, keep: number): void {
    const s = this.slab;
    if (s && slice.buffer === s.buffer && slice.byteOffset + slice.length === s.byteOffset + this.used) this.used -= slice.length - keep;
  }

  /** Every slice taken so far is dead (its bytes were copied on, nothing refers to it): the slab may be reused. */
  release(): void {
    if (this.slab && pool.length < POOL_MAX) pool.push(this.slab);
    this.slab = undefined;
  }
}

/** Where outputs go that nobody releases: sealed records, and records read by sockets that do not recycle. */
export const sharedOutput = new OutputSlab();
