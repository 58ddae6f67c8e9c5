// Videos for Chromium's fake camera (--use-file-for-fake-video-capture), generated here: a
// synthetic ID card lined up with the widget's on-screen outline (the same geometry as
// kyc_domain::quality::{crop, outline}), sharp or blurred, dimmed, or with a glare spot, and a
// synthetic face. Written as Y4M (4:2:0, grey: chroma 128), which Chromium plays in a loop.
import { openSync, writeSync, closeSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const W = 1280;
export const H = 720;
export const FPS = 5;

export const ASPECT = { card: 85.6 / 53.98, passport: 125 / 88, face: 3 / 4 };

/** quality::crop then quality::outline (integer arithmetic as in Rust). */
export function outline(w, h, shape) {
  const a = ASPECT[shape];
  let [cw, ch] = w / h > a ? [h * a, h] : [w, w / a];
  cw = Math.min(Math.max(Math.round(cw), 1), w);
  ch = Math.min(Math.max(Math.round(ch), 1), h);
  const cx = Math.floor((w - cw) / 2), cy = Math.floor((h - ch) / 2);
  const mx = Math.floor(cw / 10), my = Math.floor(ch / 10);
  return { x: cx + mx, y: cy + my, w: cw - 2 * mx, h: ch - 2 * my };
}

function rect(px, x0, y0, x1, y1, v) {
  for (let y = Math.max(0, y0); y < Math.min(H, y1); y++) px.fill(v, y * W + Math.max(0, x0), y * W + Math.min(W, x1));
}

/**
 * What is printed on a card `width` pixels wide, from its top left: the photo box, then eight
 * lines of "print" (words of pseudo-random lengths), as `[x0, y0, x1, y1, luma]` boxes. `u`
 * scales a length on a 480-px card to this one (rounded, or not, as the caller draws).
 */
function printBoxes(width, u) {
  const boxes = [[u(20), u(20), u(120), u(150), 120]];
  let seed = 7;
  for (let line = 0; line < 8; line++) {
    const y = u(20 + line * 22);
    let x = u(140);
    while (x < width - u(20)) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const len = u(4 + ((seed >>> 16) % 9));
      boxes.push([x, y, Math.min(x + len, width - u(20)), y + u(9), 35]);
      x += len + u(3);
    }
  }
  return boxes;
}

/** The card, where the outline for `shape` is: border, photo box, lines of "print". */
export function card(shape = "card") {
  const px = new Uint8Array(W * H).fill(90);
  const o = outline(W, H, shape);
  rect(px, o.x, o.y, o.x + o.w, o.y + o.h, 215);
  const k = o.w / 480;
  for (const [x0, y0, x1, y1, v] of printBoxes(o.w, (v) => Math.round(v * k))) {
    rect(px, o.x + x0, o.y + y0, o.x + x1, o.y + y1, v);
  }
  return px;
}

/** A synthetic face filling the face oval. */
export function face() {
  const px = new Uint8Array(W * H).fill(150);
  const o = outline(W, H, "face");
  const cx = o.x + o.w / 2, cy = o.y + o.h / 2;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const dx = (x - cx) / (o.w * 0.45), dy = (y - cy) / (o.h * 0.48);
    if (dx * dx + dy * dy < 1) px[y * W + x] = Math.round(190 - 40 * Math.abs(dx));
  }
  for (const ex of [0.36, 0.64]) {
    const x = Math.round(o.x + ex * o.w), y = Math.round(o.y + 0.42 * o.h);
    rect(px, x - 22, y - 8, x + 22, y + 8, 40);
    rect(px, x - 28, y - 30, x + 28, y - 22, 70);
  }
  rect(px, Math.round(cx - 50), Math.round(o.y + 0.7 * o.h), Math.round(cx + 50), Math.round(o.y + 0.7 * o.h) + 10, 90);
  return px;
}

/** Separable box blur of radius r (running sums). */
export function blur(src, r) {
  const tmp = new Uint8Array(src.length), out = new Uint8Array(src.length);
  for (let y = 0; y < H; y++) {
    let s = 0, n = 0;
    for (let x = 0; x <= Math.min(r, W - 1); x++) { s += src[y * W + x]; n++; }
    for (let x = 0; x < W; x++) {
      tmp[y * W + x] = Math.round(s / n);
      const add = x + r + 1, drop = x - r;
      if (add < W) { s += src[y * W + add]; n++; }
      if (drop >= 0) { s -= src[y * W + drop]; n--; }
    }
  }
  for (let x = 0; x < W; x++) {
    let s = 0, n = 0;
    for (let y = 0; y <= Math.min(r, H - 1); y++) { s += tmp[y * W + x]; n++; }
    for (let y = 0; y < H; y++) {
      out[y * W + x] = Math.round(s / n);
      const add = y + r + 1, drop = y - r;
      if (add < H) { s += tmp[add * W + x]; n++; }
      if (drop >= 0) { s -= tmp[drop * W + x]; n--; }
    }
  }
  return out;
}

export const dim = (src, f) => src.map((v) => Math.round(v * f));

/** A white (blown-out) disc on the card: a specular reflection. */
export function glare(src, shape = "card") {
  const px = Uint8Array.from(src);
  const o = outline(W, H, shape);
  const cx = o.x + o.w * 0.6, cy = o.y + o.h / 2, r = o.h / 4;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) px[y * W + x] = 255;
  return px;
}

/**
 * A card held in real hands, in a `w` × `h` frame (4:3 by default, as most phone cameras): on a
 * desk-like background (a gradient and grain), turned by `angle` degrees, its horizontal span
 * `extent` of the frame's width, its centre shifted by `dx`, `dy` (shares of the frame). Drawn
 * by mapping each frame pixel back onto an upright card (print as in `card`), antialiased at
 * the card's edges. Returns the luma plane and where the card's corners are.
 */
export function heldCard({ extent, angle = 10, dx = 0.03, dy = -0.02, w = 1280, h = 960 }) {
  const a = (angle * Math.PI) / 180, cos = Math.cos(a), sin = Math.sin(a);
  const aspect = ASPECT.card;
  // The card's own width whose turned span is `extent` of the frame.
  const cw = (extent * w) / (cos + sin / aspect), ch = cw / aspect;
  const cx = w / 2 + dx * w, cy = h / 2 + dy * h;
  // The upright card's print, in card pixels (as in `card`, scaled to its width).
  const k = cw / 480;
  const boxes = printBoxes(cw, (v) => v * k);
  const ink = (x, y) => {
    for (const [x0, y0, x1, y1, v] of boxes) if (x >= x0 && x < x1 && y >= y0 && y < y1) return v;
    return 215;
  };
  const px = new Uint8Array(w * h);
  let grain = 99;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      grain = (Math.imul(grain, 1103515245) + 12345) >>> 0;
      const desk = 70 + (40 * x) / w + (20 * y) / h + ((grain >>> 16) % 9) - 4;
      // Into the card's frame: turned back by the angle, from its centre.
      const rx = x + 0.5 - cx, ry = y + 0.5 - cy;
      const ux = cos * rx + sin * ry + cw / 2, uy = -sin * rx + cos * ry + ch / 2;
      // Coverage across the border (a pixel's width of antialiasing).
      const cover = Math.max(0, Math.min(1, ux + 0.5, cw - ux + 0.5, uy + 0.5, ch - uy + 0.5));
      const v = cover > 0 ? ink(Math.min(Math.max(ux, 0), cw - 1), Math.min(Math.max(uy, 0), ch - 1)) : 0;
      px[y * w + x] = Math.round(cover * v + (1 - cover) * desk);
    }
  }
  const corner = (sx, sy) => {
    const ox = sx * cw / 2, oy = sy * ch / 2;
    return [cx + cos * ox - sin * oy, cy + sin * ox + cos * oy];
  };
  return { px, w, h, cw, ch, corners: [corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)] };
}

/** Writes a Y4M video: `segments` is a list of [luma frame, seconds]. Returns its path. */
export function y4m(name, segments, w = W, h = H) {
  const path = join(mkdtempSync(join(tmpdir(), "kyc-cam-")), `${name}.y4m`);
  const fd = openSync(path, "w");
  writeSync(fd, `YUV4MPEG2 W${w} H${h} F${FPS}:1 Ip A1:1 C420jpeg\n`);
  const chroma = new Uint8Array((w / 2) * (h / 2) * 2).fill(128);
  for (const [luma, seconds] of segments) {
    for (let i = 0; i < Math.round(seconds * FPS); i++) {
      writeSync(fd, "FRAME\n");
      writeSync(fd, luma);
      writeSync(fd, chroma);
    }
  }
  closeSync(fd);
  return path;
}

/** Chromium flags for a fake camera playing `file` (or its built-in pattern), allowed or not. */
export function cameraArgs(file, { allow = true } = {}) {
  const args = ["--use-fake-device-for-media-stream"];
  // The fake permission UI answers every request: allowed, or ("deny") refused.
  args.push(allow ? "--use-fake-ui-for-media-stream" : "--use-fake-ui-for-media-stream=deny");
  if (file) args.push(`--use-file-for-fake-video-capture=${file}`);
  return args;
}

/** Records every stream the page obtains, so a test can check that each track ended. */
export const RECORD_STREAMS = `(() => {
  window.__kycStreams = [];
  const md = navigator.mediaDevices;
  if (!md) return;
  const orig = md.getUserMedia.bind(md);
  md.getUserMedia = async (c) => { const s = await orig(c); window.__kycStreams.push(s); return s; };
})();`;
