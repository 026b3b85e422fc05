/**
 * Proves the process boundaries in eslint.config.mjs fire: each snippet is linted as if it
 * lived at the given path, through the project's real ESLint configuration.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const eslint = new ESLint({ cwd: root });

/** The rule ids ESLint reports for `code` placed at `file` (relative to the repository). */
async function rulesFiredFor(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  if (!result) throw new Error(`ESLint returned no result for ${file}`);
  const fatal = result.messages.find((m) => m.fatal);
  if (fatal) throw new Error(`ESLint could not parse the ${file} fixture: ${fatal.message}`);
  return result.messages.map((m) => m.ruleId ?? 'unknown');
}

describe('boundary rules reject', () => {
  it.each([
    ['src/core/probe/x.ts', "import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
    ['src/core/x.ts', "import type { App } from 'electron/main';\nexport type A = App;\n", 'no-restricted-imports'],
    ['src/core/x.ts', "export const load = () => import('electron');\n", 'no-restricted-syntax'],
    ['src/core/x.ts', "export const load = () => require('electron');\n", 'no-restricted-syntax'],
    ['src/core/x.ts', 'export const href = window.location.href;\n', 'no-restricted-globals'],
    ['src/core/x.ts', "export const title = document.title;\n", 'no-restricted-globals'],
    ['src/core/x.ts', 'export const agent = navigator.userAgent;\n', 'no-restricted-globals'],
    ['src/core/x.ts', "export const v = localStorage.getItem('k');\n", 'no-restricted-globals'],
    ['src/shared/x.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;\n", 'no-restricted-imports'],
    ['src/shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n", 'no-restricted-imports'],
    ['src/shared/x.ts', "export const root = document.body;\n", 'no-restricted-globals'],
    ['src/cli/x.ts', "import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
    ['src/renderer/x.ts', "import { spawn } from 'child_process';\nexport const a = spawn;\n", 'no-restricted-imports'],
    ['src/renderer/x.ts', "import { readFile } from 'node:fs/promises';\nexport const a = readFile;\n", 'no-restricted-imports'],
    ['src/renderer/x.ts', "import fs from 'fs';\nexport const a = fs;\n", 'no-restricted-imports'],
    ['src/renderer/x.ts', "import { Keyport } from '../core/app';\nexport const a = Keyport;\n", 'no-restricted-imports'],
    ['src/renderer/deep/x.ts', "import { registerIpc } from '../../main/ipc';\nexport const a = registerIpc;\n", 'no-restricted-imports'],
    ['src/renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n", 'no-restricted-imports'],
    ['src/preload/x.ts', "import { z } from 'zod';\nexport const a = z;\n", 'no-restricted-imports'],
    ['src/preload/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n", 'no-restricted-imports'],
    ['src/preload/x.ts', "import { Keyport } from '../core/app';\nexport const a = Keyport;\n", 'no-restricted-imports'],
  ])('%s: %s', async (file, code, rule) => {
    expect(await rulesFiredFor(file, code)).toContain(rule);
  });
});

describe('boundary rules allow', () => {
  it.each([
    ['src/core/x.ts', "import fs from 'node:fs';\nimport { ok } from '../shared/result';\nexport const a = [fs, ok];\n"],
    ['src/main/x.ts', "import { app } from 'electron';\nimport { serveContract } from '../shared/serve';\nexport const a = [app, serveContract];\n"],
    ['src/renderer/x.ts', "import { keyport } from './api';\nimport { ok } from '../shared/result';\nexport const a = [keyport, ok, document.title];\n"],
    ['src/preload/x.ts', "import { contextBridge } from 'electron';\nimport { createClient } from '../shared/client';\nexport const a = [contextBridge, createClient];\n"],
  ])('%s', async (file, code) => {
    expect(await rulesFiredFor(file, code)).toEqual([]);
  });
});
