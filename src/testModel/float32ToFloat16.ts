// Node 20 has no Float16Array / Math.f16round, so the conversion is done on the IEEE-754 bits,
// rounding to nearest-even as ggml's own converter does.

/** Converts every element of `source` into IEEE-754 half-precision bits in `target`. */
export function float32ToFloat16(source: Float32Array, target: Uint16Array): void {
  if (target.length < source.length) throw new RangeError("float32ToFloat16: target is shorter than source");

  const bits = new Uint32Array(source.buffer, source.byteOffset, source.length);
  for (let i = 0; i < bits.length; i++) target[i] = float32BitsToFloat16Bits(bits[i]!);
}

export function float32BitsToFloat16Bits(f32Bits: number): number {
  const sign = (f32Bits >>> 16) & 0x8000;
  const exponent = (f32Bits >>> 23) & 0xff;
  const mantissa = f32Bits & 0x7fffff;

  if (exponent === 0xff) {
    if (mantissa === 0) return sign | 0x7c00;
    // keep a NaN a NaN even when its payload lives only in the low 13 bits
    return sign | 0x7c00 | 0x200 | (mantissa >>> 13);
  }

  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;

  if (halfExponent <= 0) {
    // subnormal half: value = m * 2^-24, with m = the full mantissa shifted right by (14 - halfExponent)
    const shift = 14 - halfExponent;
    if (shift > 24) return sign;

    const fullMantissa = mantissa | 0x800000;
    let halfMantissa = fullMantissa >>> shift;
    const remainder = fullMantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    // a carry into bit 10 correctly yields the smallest normal
    if (remainder > halfway || (remainder === halfway && (halfMantissa & 1) !== 0)) halfMantissa++;
    return sign | halfMantissa;
  }

  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // a carry into the exponent is correct, up to and including infinity
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) !== 0)) half++;
  return sign | half;
}
