/**
 * Packaging, as far as it can be checked without Electron's binary (electron-builder downloads it
 * from GitHub): electron-builder's own schema accepts electron-builder.yml, every icon it names
 * exists in the format each platform needs, and what the app loads at run time (tray icons) is
 * in the packaged files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { beforeAll, describe, expect, it } from 'vitest';
import { scripts } from '../package.json';

const root = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the checks below read the YAML as plain data
let config: any;
beforeAll(async () => {
  config = await getConfig(root, path.join(root, 'electron-builder.yml'), null);
});
const bytes = (file: string) => readFileSync(path.join(root, file));

/** Width and height from a PNG's IHDR. */
function pngSize(file: string): [number, number] {
  const png = bytes(file);
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('packaging', () => {
  it("passes electron-builder's configuration schema", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The schema is really checked: a wrong type is refused.
    await expect(validateConfiguration({ ...config, nsis: { oneClick: 'sometimes' } }, new DebugLogger(false))).rejects.toThrow(/oneClick/);
    expect(scripts.dist).toMatch(/electron-builder/);
  });

  it('builds AppImage and deb, dmg and NSIS, with .p12/.pfx associated', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toBe('dmg');
    expect(config.win.target).toBe('nsis');
    expect(config.fileAssociations[0].ext).toEqual(['p12', 'pfx']);
    expect(config.npmRebuild).toBe(true);
  });

  it('has the icons each platform needs', () => {
    for (const size of [16, 32, 48, 128, 256, 512, 1024]) expect(pngSize(`resources/icons/${size}x${size}.png`)).toEqual([size, size]);
    const ico = bytes(config.win.icon);
    expect(ico.readUInt16LE(2)).toBe(1); // type 1: icon
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(6); // images in the file
    const icns = bytes(config.mac.icon);
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    expect(pngSize('resources/tray.png')).toEqual([22, 22]);
    expect(pngSize('resources/trayTemplate@2x.png')).toEqual([44, 44]);
    expect(JSON.stringify(config.files)).toContain('resources/tray*.png');
  });
});
