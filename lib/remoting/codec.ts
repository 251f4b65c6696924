/**
 * RocketMQ's remoting frame (`RemotingCommand#encode/decode`, `NettyDecoder`, `RocketMQSerializable`):
 *
 *   int32 length | int32 (serializeType << 24 | headerLength) | header | body
 *
 * `length` counts everything after itself; the whole frame (length field included) is at most
 * 16 MiB. The header is fastjson JSON (type 0) or RocketMQ's binary layout (type 1). This module
 * knows frames and headers and nothing else.
 */
import { LenientJsonError, parseLenientJson } from "./fastjson";
import {
  FRAME_MAX_LENGTH,
  LanguageCode,
  type LanguageName,
  languageName,
  RPC_ONEWAY,
  RPC_TYPE_RESPONSE,
  SerializeType,
} from "./protocol";

export interface RemotingCommand {
  /** Request code in a request, response code in a response. */
  code: number;
  /** `LanguageCode` name of the sender (`JAVA`, `GO`, ...); kept as sent. */
  language: string;
  /** `MQVersion` ordinal of the sender. */
  version: number;
  /** Request id; a response carries its request's. Any int32, 0 and negative included. */
  opaque: number;
  /** Bit 0: response; bit 1: oneway request. */
  flag: number;
  remark?: string;
  /** The custom header: every value a string. */
  extFields: Record<string, string>;
  body?: Buffer;
}

/** A frame that cannot be decoded: RocketMQ closes the connection (`RemotingHelper.closeChannel`). */
export class FrameError extends Error {}

export function isResponse(command: RemotingCommand): boolean {
  return (command.flag & RPC_TYPE_RESPONSE) !== 0;
}

export function isOneway(command: RemotingCommand): boolean {
  return (command.flag & RPC_ONEWAY) !== 0;
}

const LENGTH_FIELD = 4;
/** Largest value of the length field: the whole frame, length field included, fits FRAME_MAX_LENGTH. */
export const MAX_LENGTH_FIELD = FRAME_MAX_LENGTH - LENGTH_FIELD;
const MAX_HEADER_LENGTH = 0xffffff;

/** The whole frame (length field included) for a command, with a JSON or ROCKETMQ header. */
export interface EncodeOptions {
  /**
   * Write `"extFields":{}` even when there are none, as Java does for a command with a custom header
   * (a response header class whose fields are all null). The binary header has no such difference.
   */
  writeEmptyExtFields?: boolean;
}

export function encode(
  command: RemotingCommand,
  serializeType: SerializeType = SerializeType.JSON,
  options: EncodeOptions = {},
): Buffer {
  const header =
    serializeType === SerializeType.ROCKETMQ
      ? encodeBinaryHeader(command)
      : encodeJsonHeader(command, options.writeEmptyExtFields === true);
  if (header.length > MAX_HEADER_LENGTH) throw new FrameError(`header of ${header.length} bytes is too long`);
  const bodyLength = command.body?.length ?? 0;
  const length = 4 + header.length + bodyLength;
  if (length > MAX_LENGTH_FIELD) {
    throw new FrameError(`frame of ${length + LENGTH_FIELD} bytes exceeds ${FRAME_MAX_LENGTH}`);
  }
  const prefix = Buffer.allocUnsafe(8);
  prefix.writeInt32BE(length, 0);
  prefix.writeUInt32BE(((serializeType << 24) | header.length) >>> 0, 4);
  return Buffer.concat(command.body?.length ? [prefix, header, command.body] : [prefix, header]);
}

/** fastjson's bean layout: fields sorted by name, nulls left out. */
function encodeJsonHeader(command: RemotingCommand, writeEmptyExtFields: boolean): Buffer {
  const extFields = Object.keys(command.extFields).sort();
  const header: Record<string, unknown> = { code: command.code };
  if (extFields.length > 0 || writeEmptyExtFields) {
    const sorted: Record<string, string> = {};
    for (const key of extFields) sorted[key] = String(command.extFields[key]);
    header.extFields = sorted;
  }
  header.flag = command.flag;
  header.language = command.language;
  header.opaque = command.opaque;
  if (command.remark !== undefined) header.remark = command.remark;
  header.serializeTypeCurrentRPC = "JSON";
  header.version = command.version;
  return Buffer.from(JSON.stringify(header), "utf8");
}

function encodeBinaryHeader(command: RemotingCommand): Buffer {
  const remark = command.remark ? Buffer.from(command.remark, "utf8") : undefined;
  const entries: Buffer[] = [];
  for (const [key, value] of Object.entries(command.extFields)) {
    const k = Buffer.from(key, "utf8");
    const v = Buffer.from(String(value), "utf8");
    if (k.length > 0x7fff) throw new FrameError(`extFields key of ${k.length} bytes is too long`);
    const head = Buffer.allocUnsafe(2);
    head.writeInt16BE(k.length, 0);
    const vlen = Buffer.allocUnsafe(4);
    vlen.writeInt32BE(v.length, 0);
    entries.push(head, k, vlen, v);
  }
  const ext = Buffer.concat(entries);
  const fixed = Buffer.allocUnsafe(2 + 1 + 2 + 4 + 4 + 4);
  fixed.writeInt16BE(toInt16(command.code), 0);
  fixed.writeInt8(toInt8(LanguageCode[command.language as LanguageName] ?? LanguageCode.OTHER), 2);
  fixed.writeInt16BE(toInt16(command.version), 3);
  fixed.writeInt32BE(command.opaque | 0, 5);
  fixed.writeInt32BE(command.flag | 0, 9);
  fixed.writeInt32BE(remark?.length ?? 0, 13);
  const extLength = Buffer.allocUnsafe(4);
  extLength.writeInt32BE(ext.length, 0);
  return Buffer.concat(remark ? [fixed, remark, extLength, ext] : [fixed, extLength, ext]);
}

/** Java's `(short)` cast: code and version are 16-bit on the binary wire. */
function toInt16(value: number): number {
  return ((value & 0xffff) << 16) >> 16;
}

function toInt8(value: number): number {
  return ((value & 0xff) << 24) >> 24;
}

export interface DecodedFrame {
  command: RemotingCommand;
  serializeType: SerializeType;
}

/** Decodes one frame without its length field (what `NettyDecoder` hands to `RemotingCommand.decode`). */
export function decodeFrame(frame: Buffer): DecodedFrame {
  if (frame.length < 4) throw new FrameError(`frame of ${frame.length} bytes has no header-length word`);
  const word = frame.readUInt32BE(0);
  const headerLength = word & 0xffffff;
  const type = word >>> 24;
  if (headerLength > frame.length - 4) {
    throw new FrameError(`decode error, bad header length: ${headerLength}`);
  }
  const header = frame.subarray(4, 4 + headerLength);
  let command: RemotingCommand;
  if (type === SerializeType.JSON) command = decodeJsonHeader(header);
  else if (type === SerializeType.ROCKETMQ) command = decodeBinaryHeader(header);
  else throw new FrameError(`unknown serialize type ${type}`);
  const body = frame.subarray(4 + headerLength);
  if (body.length > 0) command.body = Buffer.from(body);
  return { command, serializeType: type };
}

function int32(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const number = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < -(2 ** 31) || number >= 2 ** 31) {
    throw new FrameError(`header field ${field} is not an int32`);
  }
  return number;
}

function decodeJsonHeader(header: Buffer): RemotingCommand {
  let parsed: unknown;
  try {
    parsed = parseLenientJson(header.toString("utf8"));
  } catch (error) {
    if (error instanceof LenientJsonError) throw new FrameError(`header is not JSON: ${error.message}`);
    throw error;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new FrameError("header is not a JSON object");
  }
  const h = parsed as Record<string, unknown>;
  const extFields: Record<string, string> = {};
  if (h.extFields !== undefined && h.extFields !== null) {
    if (typeof h.extFields !== "object" || Array.isArray(h.extFields)) {
      throw new FrameError("header field extFields is not an object");
    }
    for (const [key, value] of Object.entries(h.extFields as Record<string, unknown>)) {
      // fastjson turns scalars into the map's String values; a nested value it cannot convert.
      if (value === null || value === undefined) continue;
      if (typeof value === "object") throw new FrameError(`extFields.${key} is not a string`);
      extFields[key] = String(value);
    }
  }
  let language = "JAVA";
  if (typeof h.language === "string") language = h.language;
  else if (typeof h.language === "number") language = languageName(h.language) ?? "OTHER";
  const command: RemotingCommand = {
    code: int32(h.code, "code", 0),
    language,
    version: int32(h.version, "version", 0),
    opaque: int32(h.opaque, "opaque", 0),
    flag: int32(h.flag, "flag", 0),
    extFields,
  };
  if (typeof h.remark === "string") command.remark = h.remark;
  else if (h.remark !== undefined && h.remark !== null)
    throw new FrameError("header field remark is not a string");
  return command;
}

function decodeBinaryHeader(header: Buffer): RemotingCommand {
  let pos = 0;
  const need = (n: number, what: string) => {
    if (n < 0 || pos + n > header.length) {
      throw new FrameError(`RocketMQ protocol decoding failed: ${what} runs past the header`);
    }
  };
  const readString = (lengthBytes: 2 | 4, what: string): string | undefined => {
    need(lengthBytes, what);
    const length = lengthBytes === 2 ? header.readInt16BE(pos) : header.readInt32BE(pos);
    pos += lengthBytes;
    if (length === 0) return undefined;
    need(length, what);
    const text = header.toString("utf8", pos, pos + length);
    pos += length;
    return text;
  };
  need(13, "fixed fields");
  const code = header.readInt16BE(0);
  const languageByte = header.readInt8(2);
  const version = header.readInt16BE(3);
  const opaque = header.readInt32BE(5);
  const flag = header.readInt32BE(9);
  pos = 13;
  const remark = readString(4, "remark");
  need(4, "extFields length");
  const extLength = header.readInt32BE(pos);
  pos += 4;
  const extFields: Record<string, string> = {};
  if (extLength > 0) {
    need(extLength, "extFields");
    const end = pos + extLength;
    while (pos < end) {
      const key = readString(2, "extFields key");
      const value = readString(4, "extFields value");
      if (pos > end)
        throw new FrameError("RocketMQ protocol decoding failed: extFields entry runs past its map");
      if (key !== undefined && value !== undefined) extFields[key] = value;
    }
  }
  const command: RemotingCommand = {
    code,
    language: languageName(languageByte) ?? "OTHER",
    version,
    opaque,
    flag,
    extFields,
  };
  if (remark !== undefined) command.remark = remark;
  return command;
}

/**
 * Streaming decoder: feed it TCP chunks in any split (a frame across many chunks, many frames in
 * one) and get whole commands. A malformed frame throws FrameError; the stream is then unusable, as
 * the connection it came from is closed.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed = false;

  constructor(private readonly maxLengthField: number = MAX_LENGTH_FIELD) {}

  /** Bytes received but not yet part of a whole frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): RemotingCommand[] {
    return this.pushFrames(chunk).map((frame) => frame.command);
  }

  /** Like `push`, with each frame's header serialize type. */
  pushFrames(chunk: Buffer): DecodedFrame[] {
    if (this.failed) throw new FrameError("the stream already failed to decode");
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: DecodedFrame[] = [];
    try {
      while (this.buffered >= LENGTH_FIELD) {
        const length = this.peekLength();
        // Netty's LengthFieldBasedFrameDecoder: negative → corrupted; over the max → too long.
        if (length < 4 || length > this.maxLengthField) {
          throw new FrameError(
            length > this.maxLengthField
              ? `frame length ${length + LENGTH_FIELD} exceeds ${this.maxLengthField + LENGTH_FIELD}`
              : `frame length ${length} out of range`,
          );
        }
        if (this.buffered < LENGTH_FIELD + length) break;
        const whole = this.take(LENGTH_FIELD + length);
        out.push(decodeFrame(whole.subarray(LENGTH_FIELD)));
      }
    } catch (error) {
      this.failed = true;
      this.chunks = [];
      this.buffered = 0;
      throw error;
    }
    return out;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= LENGTH_FIELD) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, LENGTH_FIELD);
    this.chunks = [Buffer.concat(this.chunks)];
    return head.readInt32BE(0);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      const frame = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return frame;
    }
    const all = Buffer.concat(this.chunks);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return frame;
  }
}

/** A request command as RocketMQ's `RemotingCommand.createRequestCommand` builds it. */
export function requestCommand(
  code: number,
  extFields: Record<string, string> = {},
  options: { opaque?: number; version?: number; language?: string; oneway?: boolean; body?: Buffer } = {},
): RemotingCommand {
  const command: RemotingCommand = {
    code,
    language: options.language ?? "JAVA",
    version: options.version ?? 0,
    opaque: options.opaque ?? 0,
    flag: options.oneway ? RPC_ONEWAY : 0,
    extFields,
  };
  if (options.body !== undefined) command.body = options.body;
  return command;
}
