import { fileURLToPath } from "node:url";

// A static export: `next build` renders the page on the server (Node) into out/, which the
// package tests serve as built.
export default {
  output: "export",
  reactStrictMode: true,
  turbopack: { root: fileURLToPath(new URL(".", import.meta.url)) },
};
