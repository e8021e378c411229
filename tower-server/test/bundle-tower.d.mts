import type { InputOptions, OutputOptions } from 'rolldown';

/** Bundles Tower sources into ESM that a plain `node` process can run (see bundle-tower.mjs). */
export function bundleTower(options: {
  input: InputOptions['input'];
  output: OutputOptions;
}): Promise<void>;
