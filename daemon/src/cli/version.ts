// The release of `half` and `half-syncd`: set at bundling time (esbuild
// --define:__HALF_VERSION__='"0.1.0-1"'), "dev" when run from the source tree.
declare const __HALF_VERSION__: string | undefined;

export const HALF_VERSION: string = typeof __HALF_VERSION__ === 'string' ? __HALF_VERSION__ : 'dev';
