#!/usr/bin/env node
// Draws the app icons (public/icon-192.png, icon-512.png, icon-maskable-512.png)
// from the same shapes as public/icon.svg, with no dependency beyond Node:
// the PNGs are committed, so this only runs when the mark changes.
//   node scripts/icons.mjs [out dir, default public/]
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';

const NAVY = [0x12, 0x26, 0x3a];
const AMBER = [0xf5, 0xb8, 0x41];
// icon.svg, in its 64-unit box: a rising line ending in a dot.
const LINE = [[14, 40], [26, 28], [34, 36], [50, 18]];
const LINE_HALF_WIDTH = 3;
const DOT = { x: 50, y: 18, r: 5 };

function distToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

// Signed distance to a rounded square of side `side` and corner radius `r`.
function roundedSquare(px, py, side, r) {
  const h = side / 2;
  const qx = Math.abs(px - h) - (h - r), qy = Math.abs(py - h) - (h - r);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/**
 * maskable: the background fills the whole square (the platform cuts its own
 * shape) and the mark shrinks into the central safe circle (radius 40%).
 */
function draw(size, { maskable }) {
  const px = new Uint8Array(size * size * 4);
  // Mark geometry in icon units, mapped to pixels: plain icons reuse the SVG
  // layout; the maskable one centres the mark's bounds and scales it to 80%.
  const unit = maskable ? (size / 64) * 0.8 : size / 64;
  const [cx, cy] = maskable ? [32.5, 28] : [32, 32];
  const toUnits = (x, y) => [(x - size / 2) / unit + cx, (y - size / 2) / unit + cy];
  const aa = (d) => Math.max(0, Math.min(1, 0.5 - d)); // d in pixels, <0 inside
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = x + 0.5, sy = y + 0.5;
      const bg = maskable ? 1 : aa(roundedSquare(sx, sy, size, (14 / 64) * size));
      const [ux, uy] = toUnits(sx, sy);
      let line = Infinity;
      for (let i = 1; i < LINE.length; i++) line = Math.min(line, distToSegment(ux, uy, LINE[i - 1], LINE[i]));
      const mark = Math.max(aa((line - LINE_HALF_WIDTH) * unit), aa((Math.hypot(ux - DOT.x, uy - DOT.y) - DOT.r) * unit));
      const i = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) px[i + c] = Math.round(NAVY[c] * (1 - mark) + AMBER[c] * mark);
      px[i + 3] = Math.round(255 * Math.max(bg, mark * bg));
    }
  }
  return png(size, size, px);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = resolve(process.argv[2] ?? join(import.meta.dirname, '../public'));
for (const [name, size, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-512.png', 512, true],
]) {
  writeFileSync(join(out, name), draw(size, { maskable }));
  console.log(`icons: wrote ${join(out, name)}`);
}
