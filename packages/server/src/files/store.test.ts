import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EncryptedDiskStore, loadFileKey, sha256Of } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'yl-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('encrypted file store', () => {
  const store = new EncryptedDiskStore(join(dir, 'files'), randomBytes(32));
  const plain = Buffer.from('检查报告：血红蛋白 92 g/L，患者 陈某某 '.repeat(20));

  it('gives back exactly what was stored, named by its SHA-256, kept once', async () => {
    const { sha256, size } = await store.put(plain);
    expect(sha256).toBe(sha256Of(plain));
    expect(size).toBe(plain.length);
    expect((await store.get(sha256)).equals(plain)).toBe(true);
    const path = store.pathOf(sha256);
    const before = readFileSync(path);
    await store.put(Buffer.from(plain));
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('keeps only ciphertext on disk', async () => {
    const { sha256 } = await store.put(plain);
    const onDisk = readFileSync(store.pathOf(sha256));
    expect(onDisk.includes(Buffer.from('血红蛋白'))).toBe(false);
    expect(onDisk.includes(plain.subarray(0, 16))).toBe(false);
    expect(store.pathOf(sha256)).toContain(join('files', sha256.slice(0, 2), sha256));
  });

  it('refuses a file changed on disk, moved under another name, or read with another key', async () => {
    const { sha256 } = await store.put(plain);
    const path = store.pathOf(sha256);
    const good = readFileSync(path);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1]! ^= 1;
    writeFileSync(path, flipped);
    await expect(store.get(sha256)).rejects.toMatchObject({ reason: 'corrupt' });
    writeFileSync(path, good);

    const other = await store.put(Buffer.from('另一个文件'));
    writeFileSync(store.pathOf(other.sha256), good);
    await expect(store.get(other.sha256)).rejects.toMatchObject({ reason: 'corrupt' });

    const wrongKey = new EncryptedDiskStore(join(dir, 'files'), randomBytes(32));
    await expect(wrongKey.get(sha256)).rejects.toMatchObject({ reason: 'corrupt' });
    await expect(store.get('0'.repeat(64))).rejects.toMatchObject({ reason: 'missing' });
    await expect(store.get('../../etc/passwd')).rejects.toMatchObject({ reason: 'missing' });
  });

  it('takes FILE_KEY as hex or base64, and generates one development key that it keeps', () => {
    const key = randomBytes(32);
    expect(loadFileKey(key.toString('hex'), dir).equals(key)).toBe(true);
    expect(loadFileKey(key.toString('base64'), dir).equals(key)).toBe(true);
    expect(() => loadFileKey('too-short', dir)).toThrow(/32 bytes/);
    const dev = join(dir, 'dev');
    const warnings: string[] = [];
    const first = loadFileKey(undefined, dev, (m) => warnings.push(m));
    expect(existsSync(join(dev, 'file.key'))).toBe(true);
    expect(loadFileKey(undefined, dev, (m) => warnings.push(m)).equals(first)).toBe(true);
    expect(warnings).toHaveLength(1);
  });
});
