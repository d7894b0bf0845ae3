import { defineConfig } from 'vitest/config';

// Served by the hub at /ui/: core's UiRoutes reads the build from the classpath, flotilla-ui/, so it
// is built straight into the jar's classes (emptied first: no stale hashed assets stay behind).
export default defineConfig({
  base: '/ui/',
  build: {
    outDir: 'target/classes/flotilla-ui',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
