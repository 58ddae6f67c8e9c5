// A tiny static server for the package tests: routes URL prefixes to directories, with optional
// extra headers (the strict CSP) per prefix. Loopback only.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };

/** routes: [{ prefix, dir?, files?: { name: content }, headers?, html?: () => string }] */
export function serve(port, routes) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    const route = routes.find((r) => url.pathname.startsWith(r.prefix));
    if (!route) return res.writeHead(404).end("no route");
    let rel = url.pathname.slice(route.prefix.length);
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    const headers = { ...(route.headers || {}) };
    try {
      let body;
      if (route.html && rel === "index.html") body = route.html();
      else if (route.files) {
        if (!(rel in route.files)) return res.writeHead(404).end("not found");
        body = route.files[rel];
      } else {
        const file = normalize(join(route.dir, rel));
        if (!file.startsWith(normalize(route.dir))) return res.writeHead(403).end();
        body = await readFile(file);
      }
      headers["Content-Type"] = TYPES[extname(rel)] || "application/octet-stream";
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

export const STATIC_PORT = Number(process.env.KYC_E2E_STATIC_PORT);
export const PACKAGE_DIR = process.env.KYC_PACKAGE_DIR;
export const VITE_DIST = process.env.KYC_VITE_DIST;
export const VITE_HOST = process.env.KYC_VITE_HOST;
if (!STATIC_PORT || !PACKAGE_DIR || !VITE_DIST || !VITE_HOST) throw new Error("run the package tests through `cargo xtask test`");
