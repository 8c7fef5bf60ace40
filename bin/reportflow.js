#!/usr/bin/env node
// `npx reportflow …`: loads TypeScript through tsx (no build step) and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../src/cli/index.ts', import.meta.url).href);
await main(process.argv.slice(2));
