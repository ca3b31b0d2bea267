// The module's own import, declared for emscripten's link (ERROR_ON_UNDEFINED_SYMBOLS stays on for
// everything else). The module is standalone: this body is never used; web/src/wasm.ts supplies
// env.v100_aes256_ctr (src/core/host_aes.h: AES-256-CTR keystream from WebCrypto, 0 = not yet).
mergeInto(LibraryManager.library, {
  v100_aes256_ctr: function (key, offsetLo, offsetHi, out, len) {
    return 0;
  },
});
