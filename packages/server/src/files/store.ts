/**
 * Content-addressed file store, encrypted at rest: a file is named by the SHA-256 of its plaintext (so the same
 * bytes are kept once) and stored under <root>/<first two hex>/<sha256> as AES-256-GCM ciphertext. The small
 * FileStore interface is what the rest of the server uses; an S3-compatible store can implement it later.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FileStore {
  /** Stores the bytes; returns their SHA-256 (hex), which names them. Storing the same bytes again is a no-op. */
  put(data: Buffer): Promise<{ sha256: string; size: number }>;
  /** The plaintext, verified against its authentication tag and its name; FileStoreError otherwise. */
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
}

export class FileStoreError extends Error {
  constructor(readonly reason: 'missing' | 'corrupt', message: string) { super(message); }
}

const MAGIC = Buffer.from('YLF1');
const SHA256_RE = /^[0-9a-f]{64}$/;

export const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Layout of a stored file: "YLF1" · 12-byte IV · 16-byte GCM tag · ciphertext. The name is the GCM associated data. */
export class EncryptedDiskStore implements FileStore {
  constructor(private readonly root: string, private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('file store key must be 32 bytes');
  }

  pathOf(sha256: string) {
    if (!SHA256_RE.test(sha256)) throw new FileStoreError('missing', 'not a file id');
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  async has(sha256: string) {
    return stat(this.pathOf(sha256)).then(() => true, () => false);
  }

  async put(data: Buffer) {
    const sha256 = sha256Of(data);
    const path = this.pathOf(sha256);
    if (await this.has(sha256)) return { sha256, size: data.length };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(sha256));
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    await mkdir(join(this.root, sha256.slice(0, 2)), { recursive: true });
    // Written aside and renamed, so a crash never leaves half a file under the real name.
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]), { mode: 0o600 });
    try { await rename(tmp, path); } catch (err) { await unlink(tmp).catch(() => {}); throw err; }
    return { sha256, size: data.length };
  }

  async get(sha256: string) {
    let raw: Buffer;
    try { raw = await readFile(this.pathOf(sha256)); } catch { throw new FileStoreError('missing', `file ${sha256} is not in the store`); }
    if (raw.length < 32 || !raw.subarray(0, 4).equals(MAGIC)) throw new FileStoreError('corrupt', `file ${sha256} is damaged`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(4, 16));
      decipher.setAAD(Buffer.from(sha256));
      decipher.setAuthTag(raw.subarray(16, 32));
      const plain = Buffer.concat([decipher.update(raw.subarray(32)), decipher.final()]);
      if (sha256Of(plain) !== sha256) throw new Error('content does not match its name');
      return plain;
    } catch {
      throw new FileStoreError('corrupt', `file ${sha256} failed its integrity check`);
    }
  }
}

/**
 * The file key from FILE_KEY (32 bytes as 64 hex digits or base64). Without it (development), one is generated
 * once into <dataDir>/file.key — losing that file loses every stored file, so production sets FILE_KEY.
 */
export function loadFileKey(fileKey: string | undefined, dataDir: string, warn: (msg: string) => void = console.warn): Buffer {
  if (fileKey) {
    const key = /^[0-9a-fA-F]{64}$/.test(fileKey) ? Buffer.from(fileKey, 'hex') : Buffer.from(fileKey, 'base64');
    if (key.length !== 32) throw new Error('FILE_KEY must be 32 bytes, as 64 hex digits or base64');
    return key;
  }
  const path = join(dataDir, 'file.key');
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process on the same data directory wrote it first: use theirs.
    if ((err as { code?: string }).code === 'EEXIST') return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    throw err;
  }
  warn(`FILE_KEY is not set: generated a file-store key in ${path}; set FILE_KEY in production and keep it safe`);
  return key;
}

export function openFileStore(o: { fileKey?: string; dataDir: string }, warn?: (msg: string) => void): EncryptedDiskStore {
  return new EncryptedDiskStore(join(o.dataDir, 'files'), loadFileKey(o.fileKey, o.dataDir, warn));
}
