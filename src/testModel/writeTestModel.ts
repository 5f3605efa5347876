// Generates a llama-architecture GGUF with random weights, so tests and benchmarks run the real
// llama.cpp code path without downloading a model. The same size always yields the same bytes.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildTestVocabulary, TokenType, type TestVocabulary } from "./buildTestVocabulary.js";
import { createPrng } from "./createPrng.js";
import {
  encodeGgufHeader,
  type GgmlTensorType,
  type GgufMetadataValue,
  type GgufTensorDescriptor,
} from "./encodeGgufHeader.js";
import { float32ToFloat16 } from "./float32ToFloat16.js";
import { GENERATED_MODEL_KEY } from "./generatedModelMarker.js";

export type TestModelSize = "tiny" | "small";

interface TestModelConfig {
  name: string;
  embeddingLength: number;
  blockCount: number;
  feedForwardLength: number;
  headCount: number;
  headCountKv: number;
  /** Type of the matrices; norm vectors stay f32, as llama.cpp's own converters write them. */
  weightType: GgmlTensorType;
}

const testModelConfigs: Record<TestModelSize, TestModelConfig> = {
  // 0.18M parameters, 0.7 MiB: loads in milliseconds and generates thousands of tokens/s on one core
  tiny: {
    name: "llama-api test model (tiny)",
    embeddingLength: 64,
    blockCount: 2,
    feedForwardLength: 128,
    headCount: 4,
    headCountKv: 4,
    weightType: "f32",
  },
  // 156M parameters, 297 MiB: a realistic per-token cost for benchmarks
  small: {
    name: "llama-api test model (small)",
    embeddingLength: 1024,
    blockCount: 12,
    feedForwardLength: 2816,
    headCount: 16,
    headCountKv: 16,
    weightType: "f16",
  },
};

const trainingContextLength = 8192;
const alignment = 32;
const chunkElements = 1 << 20;

// Uniform random output rows would give every token the same odds, and a third of the vocabulary is
// byte and control tokens, so text came out as mostly U+FFFD and control characters. Wider rows for
// the normal pieces give them larger logits, so the text is nonsense words; <|im_end|> stays rare
// enough that generation runs to maxTokens rather than stopping at some arbitrary point.
const normalPieceOutputScale = 5;
const otherTokenOutputScale = 0.5;

const chatMlTemplate =
  "{% for message in messages %}" +
  "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

interface TensorPlan extends GgufTensorDescriptor {
  fill: "ones" | "random";
  /** Multiplies the ±1/sqrt(fan-in) range of each row (index along ne[1]). */
  rowScales?: readonly number[];
}

/**
 * Writes a random-weight llama GGUF to `outPath`, creating its directory. It is written under a
 * temporary name in the same directory and renamed into place, so an interrupted run never leaves
 * a partial model at `outPath`.
 */
export async function writeTestModel(options: { outPath: string; size?: TestModelSize }): Promise<void> {
  // tensor data is written straight from typed arrays, which use the host's byte order; GGUF is little-endian
  if (os.endianness() !== "LE") throw new Error("writeTestModel only supports little-endian hosts");

  const config = testModelConfigs[options.size ?? "tiny"];
  const vocabulary = buildTestVocabulary();
  const tensors = planTensors(config, vocabulary.tokenTypes);
  const { header, tensorPlacements, fileSize } = encodeGgufHeader({
    metadata: buildMetadata(config, vocabulary),
    tensors,
    alignment,
  });

  const outPath = path.resolve(options.outPath);
  await fs.mkdir(path.dirname(outPath), { recursive: true });
  const tempPath = path.join(path.dirname(outPath), `.${path.basename(outPath)}.${randomBytes(6).toString("hex")}.tmp`);

  const handle = await fs.open(tempPath, "wx");
  try {
    let position = 0;
    const writeAll = async (bytes: Uint8Array): Promise<void> => {
      let written = 0;
      while (written < bytes.length) {
        const result = await handle.write(bytes, written, bytes.length - written, position + written);
        written += result.bytesWritten;
      }
      position += bytes.length;
    };

    await writeAll(header);
    for (const [index, tensor] of tensors.entries()) {
      await writeAll(Buffer.alloc(tensorPlacements[index]!.fileOffset - position));
      await writeTensorData(tensor, writeAll);
    }
    await writeAll(Buffer.alloc(fileSize - position));

    await handle.sync();
    await handle.close();
    await fs.rename(tempPath, outPath);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(tempPath, { force: true });
    throw error;
  }
}

function planTensors(config: TestModelConfig, tokenTypes: readonly number[]): TensorPlan[] {
  const nVocab = tokenTypes.length;
  const nEmbd = config.embeddingLength;
  const nFf = config.feedForwardLength;
  const nEmbdKv = (nEmbd / config.headCount) * config.headCountKv;
  const matrix = (name: string, dimensions: number[]): TensorPlan => ({
    name,
    dimensions,
    type: config.weightType,
    fill: "random",
  });
  const norm = (name: string): TensorPlan => ({ name, dimensions: [nEmbd], type: "f32", fill: "ones" });

  const tensors: TensorPlan[] = [
    matrix("token_embd.weight", [nEmbd, nVocab]),
    norm("output_norm.weight"),
    {
      ...matrix("output.weight", [nEmbd, nVocab]),
      rowScales: tokenTypes.map((type) => (type === TokenType.normal ? normalPieceOutputScale : otherTokenOutputScale)),
    },
  ];

  // ggml matmul weights are [input, output]: ne[0] is the dimension they are multiplied along
  for (let block = 0; block < config.blockCount; block++) {
    tensors.push(
      norm(`blk.${block}.attn_norm.weight`),
      matrix(`blk.${block}.attn_q.weight`, [nEmbd, nEmbd]),
      matrix(`blk.${block}.attn_k.weight`, [nEmbd, nEmbdKv]),
      matrix(`blk.${block}.attn_v.weight`, [nEmbd, nEmbdKv]),
      matrix(`blk.${block}.attn_output.weight`, [nEmbd, nEmbd]),
      norm(`blk.${block}.ffn_norm.weight`),
      matrix(`blk.${block}.ffn_gate.weight`, [nEmbd, nFf]),
      matrix(`blk.${block}.ffn_up.weight`, [nEmbd, nFf]),
      matrix(`blk.${block}.ffn_down.weight`, [nFf, nEmbd]),
    );
  }
  return tensors;
}

function buildMetadata(config: TestModelConfig, vocabulary: TestVocabulary): [string, GgufMetadataValue][] {
  const uint32 = (value: number): GgufMetadataValue => ({ type: "uint32", value });
  const float32 = (value: number): GgufMetadataValue => ({ type: "float32", value });
  const bool = (value: boolean): GgufMetadataValue => ({ type: "bool", value });
  const string = (value: string): GgufMetadataValue => ({ type: "string", value });

  return [
    ["general.architecture", string("llama")],
    ["general.name", string(config.name)],
    ["general.description", string("Random weights made by llama-api's writeTestModel for tests; its text is noise")],
    ["general.alignment", uint32(alignment)],
    // llama_ftype: 0 = all F32, 1 = mostly F16
    ["general.file_type", uint32(config.weightType === "f32" ? 0 : 1)],
    [GENERATED_MODEL_KEY, bool(true)],

    ["llama.context_length", uint32(trainingContextLength)],
    ["llama.embedding_length", uint32(config.embeddingLength)],
    ["llama.block_count", uint32(config.blockCount)],
    ["llama.feed_forward_length", uint32(config.feedForwardLength)],
    ["llama.attention.head_count", uint32(config.headCount)],
    ["llama.attention.head_count_kv", uint32(config.headCountKv)],
    ["llama.rope.dimension_count", uint32(config.embeddingLength / config.headCount)],
    ["llama.rope.freq_base", float32(10000)],
    ["llama.attention.layer_norm_rms_epsilon", float32(1e-5)],
    ["llama.vocab_size", uint32(vocabulary.tokens.length)],

    ["tokenizer.ggml.model", string("llama")],
    ["tokenizer.ggml.tokens", { type: "stringArray", value: vocabulary.tokens }],
    ["tokenizer.ggml.scores", { type: "float32Array", value: vocabulary.scores }],
    ["tokenizer.ggml.token_type", { type: "int32Array", value: vocabulary.tokenTypes }],
    ["tokenizer.ggml.bos_token_id", uint32(vocabulary.bosTokenId)],
    // ChatML turns end with <|im_end|>, so it is both EOS and EOT: the token that ends a generation
    ["tokenizer.ggml.eos_token_id", uint32(vocabulary.imEndTokenId)],
    ["tokenizer.ggml.eot_token_id", uint32(vocabulary.imEndTokenId)],
    ["tokenizer.ggml.unknown_token_id", uint32(vocabulary.unknownTokenId)],
    ["tokenizer.ggml.padding_token_id", uint32(vocabulary.eosTokenId)],
    ["tokenizer.ggml.add_bos_token", bool(true)],
    ["tokenizer.ggml.add_eos_token", bool(false)],
    ["tokenizer.ggml.add_space_prefix", bool(true)],
    ["tokenizer.chat_template", string(chatMlTemplate)],
  ];
}

async function writeTensorData(tensor: TensorPlan, writeAll: (bytes: Uint8Array) => Promise<void>): Promise<void> {
  const elementCount = tensor.dimensions.reduce((product, dimension) => product * dimension, 1);
  const rowLength = tensor.dimensions[0]!;
  // uniform in ±1/sqrt(fan-in) keeps activations at a steady scale through the layers
  const scale = 1 / Math.sqrt(rowLength);
  const prng = createPrng(tensor.name);

  const values = new Float32Array(Math.min(chunkElements, elementCount));
  const halves = tensor.type === "f16" ? new Uint16Array(values.length) : undefined;

  for (let start = 0; start < elementCount; start += values.length) {
    const count = Math.min(values.length, elementCount - start);
    const chunk = values.subarray(0, count);

    if (tensor.fill === "ones") {
      chunk.fill(1);
    } else if (tensor.rowScales === undefined) {
      for (let i = 0; i < count; i++) chunk[i] = (prng.nextUint32() / 0x80000000 - 1) * scale;
    } else {
      for (let i = 0; i < count; i++) {
        const rowScale = tensor.rowScales[Math.floor((start + i) / rowLength)] ?? 1;
        chunk[i] = (prng.nextUint32() / 0x80000000 - 1) * scale * rowScale;
      }
    }

    if (halves === undefined) {
      await writeAll(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } else {
      const halfChunk = halves.subarray(0, count);
      float32ToFloat16(chunk, halfChunk);
      await writeAll(new Uint8Array(halfChunk.buffer, halfChunk.byteOffset, halfChunk.byteLength));
    }
  }
}
