// Seeded PRNG (xoshiro128**) so a generated model is byte-identical on every run and platform:
// it uses only 32-bit integer arithmetic, never Math.random or float-dependent state.

export interface Prng {
  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number;
}

// FNV-1a then splitmix32 expansion: each tensor gets its own stream from its name,
// so its values don't depend on the order tensors are written in.
export function createPrng(seed: string): Prng {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(seed, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }

  let splitMixState = hash >>> 0;
  const nextSplitMix = (): number => {
    splitMixState = (splitMixState + 0x9e3779b9) | 0;
    let z = splitMixState;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };

  let s0 = nextSplitMix();
  let s1 = nextSplitMix();
  let s2 = nextSplitMix();
  let s3 = nextSplitMix();
  // the all-zero state is a fixed point of xoshiro
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  return {
    nextUint32() {
      const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      return result;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
