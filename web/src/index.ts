// V100 browser SDK: the public entry point (ES module). See web/README.md for what exists.
export const kSdkVersion = "0.1.0";
export * from "./bytes.js";
export * from "./crypto.js";
export * from "./fhe.js";
export * from "./frame_crypto.js";
export * from "./group.js";
export * from "./identity.js";
export * from "./invitation.js";
export * from "./join_proof.js";
export * from "./protocol.js";
export * from "./room.js";
export * from "./room_link.js";
export * from "./roster.js";
export * from "./schedule.js";
export * from "./sframe.js";
export * from "./transport.js";
export * from "./wasm.js";
export * from "./xwing.js";
