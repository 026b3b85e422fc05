import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BYTES } from '../shared/contract';
import { openableArgs, readOpenedFile } from './opened-files';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'keyport-opened-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('files the OS opens with Keyport', () => {
  it('picks .p12 and .pfx arguments, skipping flags and other files', () => {
    expect(openableArgs(['--inspect', '/a/b.P12', 'c.pfx', 'notes.txt', '-x.p12', '/d/e.p12.txt'])).toEqual(['/a/b.P12', 'c.pfx']);
  });

  it('reads a regular file as name and base64 bytes', async () => {
    const file = path.join(dir, 'mailed.pfx');
    await writeFile(file, Buffer.from([0x30, 0x82, 0x01]));
    expect(await readOpenedFile(file)).toEqual({ name: 'mailed.pfx', dataBase64: 'MIIB' });
  });

  it('refuses other extensions, folders, symlinks, missing and oversized files with one sentence', async () => {
    const other = path.join(dir, 'key.pem');
    await writeFile(other, 'x');
    const folder = path.join(dir, 'folder.p12');
    await mkdir(folder);
    const link = path.join(dir, 'link.p12');
    await symlink(other, link);
    const big = path.join(dir, 'big.p12');
    await writeFile(big, Buffer.alloc(MAX_UPLOAD_BYTES + 1));
    await expect(readOpenedFile(other)).rejects.toMatchObject({ code: 'KEYPORT_FILE_UNREADABLE', message: expect.stringMatching(/\.p12 and \.pfx/) });
    await expect(readOpenedFile(folder)).rejects.toMatchObject({ code: 'KEYPORT_FILE_UNREADABLE' });
    await expect(readOpenedFile(link)).rejects.toMatchObject({ code: 'KEYPORT_FILE_UNREADABLE' });
    await expect(readOpenedFile(path.join(dir, 'missing.p12'))).rejects.toMatchObject({ code: 'KEYPORT_FILE_UNREADABLE' });
    await expect(readOpenedFile(big)).rejects.toMatchObject({ code: 'KEYPORT_FILE_TOO_LARGE' });
  });
});
