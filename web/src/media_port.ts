// The seam between a meeting session (room.ts: keys, members, epochs, the connection) and its media
// (media.ts: WebCodecs encoders/decoders, the inner media header, keyframes, playout). A Room
// implements MediaPort; a MediaSession uses only this interface, so either side can be tested with a
// stand-in of the other and an app with its own codec can use the port directly.
//
// Plaintext payloads are what SFrame protects: for real media, the inner media header of
// src/meeting/client/media_session.h (codec u8 | seq u32 LE | capture_us u64 LE | codec bytes); for
// kind Control, the body of a keyframe request (client_media.cc). The envelope (kind, keyframe,
// layer) travels in the clear for the relay and is authenticated as SFrame metadata.
import type { MediaKindCode } from "./protocol.js";
import type { DropReason } from "./sframe.js";

/// A frame this participant sends: the port protects it under the current epoch and relays it.
export interface OutgoingFrame {
  kind: MediaKindCode;
  keyframe: boolean;
  layer?: number;
  payload: Uint8Array;
}

/// A frame that opened: its sender's slot, the epoch it was protected under, and the sender's checked
/// identity (userId) when the session has verified it; frames of an unchecked sender wait, as in the
/// C++ SDK, and arrive with `verified: false` only when the check failed.
export interface IncomingFrame {
  slot: number;
  kind: MediaKindCode;
  keyframe: boolean;
  layer: number;
  epoch: bigint;
  payload: Uint8Array;
  verified: boolean;
  userId?: Uint8Array;
}

/// The frame encryption a session uses: in-thread (sframe.ts contexts) or in a Worker
/// (sframe_worker.ts). Secrets given to it are the session's to wipe afterwards; the implementation
/// keeps its own copies and wipes them when an epoch is retired or on close().
export interface FrameCrypto {
  /// This participant's slot and epoch for sending (counter restarts at `firstCounter`).
  setSendEpoch(slot: number, epoch: bigint, epochSecret: Uint8Array, firstCounter?: bigint): Promise<void>;
  /// An epoch receivers accept (a key ring: the current and the previous one for a grace period).
  addReceiveEpoch(epoch: bigint, epochSecret: Uint8Array): Promise<void>;
  /// SFrame-protects `payload` with metadata slot | envelope byte.
  protect(slot: number, envelopeByte: number, payload: Uint8Array): Promise<Uint8Array>;
  /// Opens a relayed frame; never throws on hostile bytes.
  unprotect(slot: number, envelopeByte: number, frame: Uint8Array): Promise<
      { ok: true; epoch: bigint; payload: Uint8Array } | { ok: false; reason: DropReason }>;
  close(): void;
}

export interface MediaPort {
  /// This participant's slot (its frames carry it), or -1 before joining.
  readonly slot: number;
  /// Protects and relays a frame; false (and counted) when there is no send key or no connection.
  send(frame: OutgoingFrame): Promise<boolean>;
  /// Asks `slot` for a keyframe of `kind` (an encrypted Control frame, rate-limited by the caller).
  requestKeyframe(slot: number, kind: MediaKindCode): Promise<boolean>;
  /// Opened frames of other participants (media kinds; Control frames are handled by the port).
  onFrame: ((f: IncomingFrame) => void) | null;
  /// Another participant asked this one for a keyframe of `kind`.
  onKeyframeRequest: ((fromSlot: number, kind: MediaKindCode) => void) | null;
  /// A new send epoch is installed: a sender sends a keyframe at each new epoch.
  onEpoch: ((epoch: bigint) => void) | null;
}
