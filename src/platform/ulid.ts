/**
 * ULIDs (https://github.com/ulid/spec): 48 bits of milliseconds and 80 random bits in Crockford
 * base32, monotonic within a millisecond so ids made in one batch sort in creation order. Written
 * here rather than imported: loading an npm package costs every command ~14 ms at start.
 * @module
 */

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Makes ULIDs; each call returns an id greater than the previous one. */
export function ulidFactory(): (nowMs?: number) => string {
  let lastTime = -1;
  let lastRandom: Uint8Array<ArrayBuffer> = new Uint8Array(10);
  return (nowMs: number = Date.now()) => {
    const time = Math.max(0, Math.floor(nowMs));
    if (time <= lastTime) {
      lastRandom = increment(lastRandom);
    } else {
      lastTime = time;
      lastRandom = crypto.getRandomValues(new Uint8Array(10));
    }
    return encodeTime(Math.max(time, lastTime)) + encodeRandom(lastRandom);
  };
}

function increment(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const next = bytes.slice();
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] === 255) next[i] = 0;
    else {
      next[i]!++;
      return next;
    }
  }
  return next;
}

function encodeTime(ms: number): string {
  let out = "";
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits = 16 characters of 5 bits, read big-endian.
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}
