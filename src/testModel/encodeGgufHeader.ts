// Encodes the GGUF v3 header (magic, key/values, tensor infos, padding): the part of the file small
// enough to build in memory; the caller streams the tensor data after it.
// Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md

/** A metadata value with the exact GGUF type llama.cpp expects for its key (it rejects mismatched types). */
export type GgufMetadataValue =
  | { type: "uint32"; value: number }
  | { type: "float32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "stringArray"; value: readonly string[] }
  | { type: "float32Array"; value: readonly number[] }
  | { type: "int32Array"; value: readonly number[] };

export type GgmlTensorType = "f32" | "f16";

export interface GgufTensorDescriptor {
  name: string;
  /** ne[0] first: the fastest-varying dimension, e.g. `[n_embd, n_vocab]` for `token_embd.weight`. */
  dimensions: readonly number[];
  type: GgmlTensorType;
}

export interface EncodedGgufHeader {
  header: Buffer;
  /** Per tensor, in input order: where its data starts in the file, and its size in bytes. */
  tensorPlacements: { fileOffset: number; byteLength: number }[];
  /** Total file size, including the alignment padding after the last tensor. */
  fileSize: number;
}

const ggufValueType = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;
const ggmlTypeIds: Record<GgmlTensorType, number> = { f32: 0, f16: 1 };
const ggmlTypeSizes: Record<GgmlTensorType, number> = { f32: 4, f16: 2 };

export function encodeGgufHeader(options: {
  metadata: readonly (readonly [key: string, value: GgufMetadataValue])[];
  tensors: readonly GgufTensorDescriptor[];
  alignment: number;
}): EncodedGgufHeader {
  const { metadata, tensors, alignment } = options;
  const writer = new ByteWriter();

  writer.bytes(Buffer.from("GGUF", "latin1"));
  writer.uint32(3);
  writer.uint64(tensors.length);
  writer.uint64(metadata.length);

  for (const [key, value] of metadata) {
    writer.string(key);
    writeMetadataValue(writer, value);
  }

  // tensor data offsets are relative to the (aligned) end of the header, and each must be aligned
  const relativePlacements: { relativeOffset: number; byteLength: number }[] = [];
  let dataSize = 0;
  for (const tensor of tensors) {
    const byteLength =
      tensor.dimensions.reduce((product, dimension) => product * dimension, 1) * ggmlTypeSizes[tensor.type];
    relativePlacements.push({ relativeOffset: dataSize, byteLength });

    writer.string(tensor.name);
    writer.uint32(tensor.dimensions.length);
    for (const dimension of tensor.dimensions) writer.uint64(dimension);
    writer.uint32(ggmlTypeIds[tensor.type]);
    writer.uint64(dataSize);

    dataSize = alignTo(dataSize + byteLength, alignment);
  }

  writer.zeros(alignTo(writer.length, alignment) - writer.length);
  const header = writer.toBuffer();

  return {
    header,
    tensorPlacements: relativePlacements.map(({ relativeOffset, byteLength }) => ({
      fileOffset: header.length + relativeOffset,
      byteLength,
    })),
    fileSize: header.length + dataSize,
  };
}

function alignTo(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

function writeMetadataValue(writer: ByteWriter, value: GgufMetadataValue): void {
  switch (value.type) {
    case "uint32":
      writer.uint32(ggufValueType.uint32);
      writer.uint32(value.value);
      return;
    case "float32":
      writer.uint32(ggufValueType.float32);
      writer.float32(value.value);
      return;
    case "bool":
      writer.uint32(ggufValueType.bool);
      writer.bytes(Buffer.of(value.value ? 1 : 0));
      return;
    case "string":
      writer.uint32(ggufValueType.string);
      writer.string(value.value);
      return;
    case "stringArray":
      writer.uint32(ggufValueType.array);
      writer.uint32(ggufValueType.string);
      writer.uint64(value.value.length);
      for (const item of value.value) writer.string(item);
      return;
    case "float32Array":
      writer.uint32(ggufValueType.array);
      writer.uint32(ggufValueType.float32);
      writer.uint64(value.value.length);
      for (const item of value.value) writer.float32(item);
      return;
    case "int32Array":
      writer.uint32(ggufValueType.array);
      writer.uint32(ggufValueType.int32);
      writer.uint64(value.value.length);
      for (const item of value.value) writer.int32(item);
      return;
  }
}

/** Little-endian, as GGUF is throughout. */
class ByteWriter {
  private readonly chunks: Buffer[] = [];
  length = 0;

  bytes(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  zeros(count: number): void {
    this.bytes(Buffer.alloc(count));
  }

  uint32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    this.bytes(buffer);
  }

  int32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    this.bytes(buffer);
  }

  uint64(value: number): void {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    this.bytes(buffer);
  }

  float32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    this.bytes(buffer);
  }

  string(value: string): void {
    const encoded = Buffer.from(value, "utf8");
    this.uint64(encoded.length);
    this.bytes(encoded);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}
