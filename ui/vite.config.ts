// The editor is built into the Python package (wwiseflowd/webui/), which the daemon serves:
// index.html at / and the client routes, the assets under /ui/.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  base: "/ui/",
  build: {
    outDir: "../wwiseflowd/webui",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
