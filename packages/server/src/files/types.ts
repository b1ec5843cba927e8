/** Which files may be uploaded, and a check of the first bytes against the declared type (no "image" that is a script). */
import { AppError } from '@yilian/core';

type Sniff = (b: Buffer) => boolean;
const at = (b: Buffer, offset: number, text: string | number[]) => {
  const sig = typeof text === 'string' ? Buffer.from(text, 'latin1') : Buffer.from(text);
  return b.length >= offset + sig.length && b.subarray(offset, offset + sig.length).equals(sig);
};
const zip: Sniff = (b) => at(b, 0, [0x50, 0x4b, 0x03, 0x04]);
const mp4: Sniff = (b) => at(b, 4, 'ftyp');

/** content type → magic-byte check (null: no reliable signature; accepted on the declared type). */
export const ALLOWED_TYPES: Record<string, Sniff | null> = {
  'image/png': (b) => at(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': (b) => at(b, 0, [0xff, 0xd8, 0xff]),
  'image/gif': (b) => at(b, 0, 'GIF87a') || at(b, 0, 'GIF89a'),
  'image/webp': (b) => at(b, 0, 'RIFF') && at(b, 8, 'WEBP'),
  'application/pdf': (b) => at(b, 0, '%PDF-'),
  'audio/webm': (b) => at(b, 0, [0x1a, 0x45, 0xdf, 0xa3]),
  'audio/ogg': (b) => at(b, 0, 'OggS'),
  'audio/mpeg': (b) => at(b, 0, 'ID3') || (b.length > 1 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0),
  'audio/mp4': mp4,
  'audio/wav': (b) => at(b, 0, 'RIFF') && at(b, 8, 'WAVE'),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': zip,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': zip,
  'text/plain': (b) => !b.subarray(0, 8192).includes(0),
  // DICOM Part 10: 128-byte preamble, then "DICM".
  'application/dicom': (b) => at(b, 128, 'DICM'),
};
/** Names browsers use for the same types. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg', 'audio/x-wav': 'audio/wav', 'audio/wave': 'audio/wav', 'audio/mp3': 'audio/mpeg',
  'audio/x-m4a': 'audio/mp4', 'audio/m4a': 'audio/mp4', 'video/webm': 'audio/webm',
};

/** Shown inline by the browser; everything else is downloaded. */
export const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf',
  'audio/webm', 'audio/ogg', 'audio/mpeg', 'audio/mp4', 'audio/wav']);

export const isImage = (t: string) => t.startsWith('image/');
export const isAudio = (t: string) => t.startsWith('audio/');

/** The normalised content type of an upload, or 415 when it is not allowed or its bytes say otherwise. */
export function checkedContentType(declared: string | undefined, data: Buffer): string {
  const base = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  const type = ALIASES[base] ?? base;
  if (!(type in ALLOWED_TYPES))
    throw new AppError(415, 'unsupported_media_type', `不支持上传该类型的文件（${base || '未知'}）`, `This file type may not be uploaded (${base || 'unknown'})`, 'file',
      { allowed: Object.keys(ALLOWED_TYPES) });
  const sniff = ALLOWED_TYPES[type];
  if (sniff && !sniff(data))
    throw new AppError(415, 'content_mismatch', '文件内容与其类型不符', `The file's content is not ${type}`, 'file', { declared: type });
  return type;
}
