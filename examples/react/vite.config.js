import react from "@vitejs/plugin-react";

// kyc-share-widget ships WebAssembly: keep it out of dependency pre-bundling and target ES2022.
export default {
  plugins: [react()],
  build: { target: "es2022" },
  optimizeDeps: { exclude: ["kyc-share-widget"] },
};
