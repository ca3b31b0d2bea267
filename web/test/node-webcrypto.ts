// The SDK reaches WebCrypto through the global `crypto`, as a page or a Worker does. Node >= 19 has
// that global; Node 18 (Debian 12's nodejs, which `make test` runs on) has WebCrypto only as
// `webcrypto` of node:crypto, the global being behind --experimental-global-webcrypto. Every test
// file imports this module first, so the SDK sees the same object under either version.
import { webcrypto } from "node:crypto";

globalThis.crypto ??= webcrypto as unknown as Crypto;
