import { defineConfig } from 'vitest/config';

// Test files run in separate processes: many tests spawn real Debian tools, chroots and
// network namespaces, and the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    reporters: ['default'],
  },
});
