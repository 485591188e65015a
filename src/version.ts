/**
 * @module Build identity, stamped by scripts/build.mjs through esbuild `define`.
 */
declare const NTH_BUILD_VERSION: string | undefined;
declare const NTH_BUILD_COMMIT: string | undefined;
declare const NTH_BUILD_FLAVOUR: string | undefined;

/** The release version ("0.0.0-dev" when running from source). */
export const version: string = typeof NTH_BUILD_VERSION === 'string' ? NTH_BUILD_VERSION : '0.0.0-dev';
/** The git commit the build came from ("unknown" from source). */
export const commit: string = typeof NTH_BUILD_COMMIT === 'string' ? NTH_BUILD_COMMIT : 'unknown';
/** How this executable was made ("pkg-sea", "node-sea", "bun", "bundle" or "source"). */
export const flavour: string = typeof NTH_BUILD_FLAVOUR === 'string' ? NTH_BUILD_FLAVOUR : 'source';
