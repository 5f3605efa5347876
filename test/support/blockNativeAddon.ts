// Preloaded (`node --import`) by the fallback test: node-llama-cpp's native addon fails to load, as on a host
// where none of its binaries fit (another libc, a missing shared library), while other native modules
// (sqlite3) load as usual. node-llama-cpp tests each binary in a forked child first; the fork inherits this
// preload through execArgv, so that test fails too and getLlama() reports that no binary is usable.
const dlopen = process.dlopen.bind(process);

process.dlopen = (module: object, filename: string, flags?: number) => {
  if (/[\\/]@?node-llama-cpp[\\/]/.test(filename)) {
    throw new Error(`${filename}: cannot open shared object file (blocked by test/support/blockNativeAddon.ts)`);
  }
  return flags === undefined ? dlopen(module, filename) : dlopen(module, filename, flags);
};
