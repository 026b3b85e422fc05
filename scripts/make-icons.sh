#!/usr/bin/env bash
# Renders Keyport's icons from the SVG sources in resources/ (committed outputs; rerun after
# editing an SVG). Needs librsvg2-bin (rsvg-convert), imagemagick (convert) and icnsutils (png2icns).
set -euo pipefail
cd "$(dirname "$0")/../resources"
mkdir -p icons
for size in 16 24 32 48 64 128 256 512 1024; do
  rsvg-convert -w "$size" -h "$size" icon.svg -o "icons/${size}x${size}.png"
done
cp icons/1024x1024.png icon.png
# Windows: one .ico with the sizes Explorer and the taskbar ask for.
convert icons/16x16.png icons/24x24.png icons/32x32.png icons/48x48.png icons/64x64.png icons/128x128.png icons/256x256.png icon.ico
# macOS: png2icns takes the sizes it has slots for.
png2icns icon.icns icons/16x16.png icons/32x32.png icons/128x128.png icons/256x256.png icons/512x512.png icons/1024x1024.png >/dev/null
# Tray: a black template for the macOS menu bar; elsewhere the same shape in the light grey
# that reads on dark and light panels.
rsvg-convert -w 22 -h 22 tray.svg -o trayTemplate.png
rsvg-convert -w 44 -h 44 tray.svg -o trayTemplate@2x.png
sed 's/#000000/#9ca3af/' tray.svg | rsvg-convert -w 22 -h 22 -o tray.png
sed 's/#000000/#9ca3af/' tray.svg | rsvg-convert -w 44 -h 44 -o tray@2x.png
