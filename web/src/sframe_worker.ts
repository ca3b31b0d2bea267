// The SFrame Worker's entry (bundled to sframe_worker.js, started by WorkerFrameCrypto.start): every
// frame's AES-GCM and the epoch key ring live here, off the page's thread (frame_crypto.ts).
import { type MessageEndpoint, serveFrameCrypto } from "./frame_crypto.js";

serveFrameCrypto(globalThis as unknown as MessageEndpoint);
