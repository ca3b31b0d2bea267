// MediaSession: real audio and video for a browser participant over a MediaPort (media_port.ts), the
// browser half of src/meeting/client/media_session.{h,cc} and byte-compatible with it. WebCodecs
// encode and decode (VP8 video and screen, Opus 48 kHz mono in 20 ms packets); the inner media
// header of media_header.ts travels inside the SFrame ciphertext; the clear envelope (kind, keyframe
// bit) is the port's.
//
//   const media = new MediaSession(room, { onPicture: (p) => draw(p.frame), playout: true });
//   await media.addTrack(cameraTrack, MediaKind.Video);     // getUserMedia video
//   await media.addTrack(micTrack, MediaKind.Audio);        // getUserMedia audio
//   await media.addTrack(screenTrack, MediaKind.Screen);    // getDisplayMedia: a track of its own
//
// Keyframes (as the C++ session): a sender sends one at the start of a track, at each new epoch
// (port.onEpoch) and when a receiver asks (port.onKeyframeRequest). A receiver asks, at most once a
// second per stream, when a stream has no decodable reference: it joined after the last keyframe, a
// seq gap (frames lost in the relay or a rekey, or undecryptable), or a decode error; until the
// keyframe arrives it drops that stream's deltas (counted). Audio gaps are counted as lost.
//
// Untrusted input: every remote frame goes through parseMediaPayload (never throws); a frame of the
// wrong codec for its kind, an undecodable frame, a decoder error or a full decoder queue is dropped
// and counted under its reason in stats(), never thrown. Tracks come in through
// MediaStreamTrackProcessor (Chromium; elsewhere apps call sendPicture/sendAudio themselves).
import { MediaKind, type MediaKindCode } from "./protocol.js";
import type { IncomingFrame, MediaPort } from "./media_port.js";
import { type MediaCodec, encodeMediaPayload, kCodecOpus, kCodecVp8, parseMediaPayload, seqFollows } from "./media_header.js";

// Chromium's MediaStreamTrackProcessor on the main thread takes the track itself (TypeScript's lib
// only knows the worker form of the init dictionary).
declare global {
  interface MediaStreamTrackProcessorInit {
    track?: MediaStreamTrack;
  }
}

/** A decoded picture of another participant. `frame` belongs to the callback: close() it when done. */
export interface DecodedPicture {
  slot: number;
  kind: MediaKindCode;  // Video or Screen
  keyframe: boolean;
  seq: number;
  captureUs: bigint;
  frame: VideoFrame;
}

/** Decoded sound of another participant: 48 kHz (the decoder's rate) mono float samples. */
export interface DecodedAudio {
  slot: number;
  seq: number;
  captureUs: bigint;
  sampleRate: number;
  pcm: Float32Array;
}

/** Why a received frame was not decoded. */
export type MediaDropReason =
  | "malformed"        // the inner header did not parse
  | "wrong-codec"      // VP8 on an audio stream, Opus on a video stream
  | "waiting-keyframe" // a delta while the stream has no reference
  | "decode-error"     // the decoder refused it (the stream then waits for a keyframe)
  | "queue-full";      // the decoder fell behind

/** One remote sender's stream of one kind, as this receiver saw it. */
export interface StreamStats {
  slot: number;
  kind: MediaKindCode;
  received: number;
  decoded: number;
  keyframes: number;
  gaps: number;              // seq gaps (frames that never arrived)
  lost: number;              // audio packets missing
  keyframeRequests: number;  // requests this receiver sent for the stream
  dropped: Record<MediaDropReason, number>;
}

/** What this participant sent. */
export interface SendStats {
  kind: MediaKindCode;
  captured: number;
  encoderSkipped: number;  // captured pictures skipped (encoder behind, or above the track's frame rate)
  sent: number;
  keyframes: number;
  bytes: number;
  sendFailed: number;      // the port refused (no key yet, no connection)
  keyframesOnRequest: number;
  keyframesOnEpoch: number;
}

/** The playout of one remote sender's audio (jitter buffer). */
export interface PlayoutStats {
  slot: number;
  scheduled: number;      // packets scheduled for playout
  restarts: number;       // times the buffer ran dry or drifted and restarted at the target delay
  bufferedMs: number;     // audio scheduled ahead of the context's clock, when asked
}

export interface VideoSettings {
  bitrate: number;  // bit/s
  maxFps: number;   // pictures above this rate are skipped
}

export interface MediaSessionOptions {
  onPicture?: (p: DecodedPicture) => void;
  onAudio?: (a: DecodedAudio) => void;
  /** Play remote audio through WebAudio with a small jitter buffer. */
  playout?: boolean;
  /** Target playout delay of the jitter buffer (ms). */
  playoutDelayMs?: number;
  /** The AudioContext of the playout (default: one of its own at 48 kHz, closed by close()). */
  audioContext?: AudioContext;
  /** Where playout goes (default: the context's destination, the speakers). */
  playoutDestination?: AudioNode;
  video?: Partial<VideoSettings>;
  screen?: Partial<VideoSettings>;
  audioBitrate?: number;
  /** Shortest time between two keyframe requests for one stream (ms). */
  keyframeRequestIntervalMs?: number;
  /** Time source in ms (tests). */
  now?: () => number;
}

const kDefaultVideo: VideoSettings = { bitrate: 800_000, maxFps: 30 };
const kDefaultScreen: VideoSettings = { bitrate: 1_200_000, maxFps: 5 };
const kMaxDecodeQueue = 16;
const kMaxEncodeQueue = 2;

/** Microseconds of the wall clock, the C++ wall_clock_us(). */
export function wallClockUs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
}

/** Whether VP8 bytes start a keyframe (RFC 6386 §9.1: bit 0 of the frame tag is 0). */
export function vp8IsKeyframe(b: Uint8Array): boolean {
  return b.length >= 3 && (b[0]! & 0x01) === 0;
}

function emptyDrops(): Record<MediaDropReason, number> {
  return { "malformed": 0, "wrong-codec": 0, "waiting-keyframe": 0, "decode-error": 0, "queue-full": 0 };
}

interface Meta {
  seq: number;
  captureUs: bigint;
  keyframe: boolean;
}

// One remote sender's video or screen.
class VideoStream {
  decoder: VideoDecoder | null = null;
  needKeyframe = true;
  lastSeq: number | null = null;
  askedAt = -Infinity;
  readonly pending = new Map<number, Meta>();  // chunk timestamp -> what the frame was
  nextTs = 0;
  readonly stats: StreamStats;
  constructor(slot: number, kind: MediaKindCode) {
    this.stats = { slot, kind, received: 0, decoded: 0, keyframes: 0, gaps: 0, lost: 0, keyframeRequests: 0,
                   dropped: emptyDrops() };
  }
}

// One remote sender's audio, with its playout clock.
class AudioStream {
  decoder: AudioDecoder | null = null;
  lastSeq: number | null = null;
  readonly pending = new Map<number, Meta>();
  nextTs = 0;
  playAt = 0;
  scheduled = 0;
  restarts = 0;
  readonly stats: StreamStats;
  constructor(slot: number) {
    this.stats = { slot, kind: MediaKind.Audio, received: 0, decoded: 0, keyframes: 0, gaps: 0, lost: 0,
                   keyframeRequests: 0, dropped: emptyDrops() };
  }
}

// One local track being sent.
class Sender {
  encoder: VideoEncoder | AudioEncoder | null = null;
  reader: ReadableStreamDefaultReader<VideoFrame | AudioData> | null = null;
  seq = 0;
  forceKeyframe = true;  // the first picture is a keyframe
  nextPictureAt = -Infinity;  // pacing to the kind's maxFps
  width = 0;
  height = 0;
  readonly capture = new Map<number, bigint>();  // frame timestamp -> capture_us
  readonly stats: SendStats;
  constructor(readonly kind: MediaKindCode) {
    this.stats = { kind, captured: 0, encoderSkipped: 0, sent: 0, keyframes: 0, bytes: 0, sendFailed: 0,
                   keyframesOnRequest: 0, keyframesOnEpoch: 0 };
  }
}

export class MediaSession {
  private readonly opt: MediaSessionOptions;
  private readonly now: () => number;
  private readonly video = new Map<string, VideoStream>();
  private readonly audio = new Map<number, AudioStream>();
  private readonly senders = new Map<MediaKindCode, Sender>();
  private ctx: AudioContext | null = null;
  private closed = false;

  constructor(private readonly port: MediaPort, options: MediaSessionOptions = {}) {
    this.opt = options;
    this.now = options.now ?? (() => performance.now());
    port.onFrame = (f) => this.receive(f);
    port.onKeyframeRequest = (_from, kind) => this.forceKeyframe(kind, "request");
    port.onEpoch = () => {
      // Frames of a new epoch start from a keyframe, for members who just joined.
      this.forceKeyframe(MediaKind.Video, "epoch");
      this.forceKeyframe(MediaKind.Screen, "epoch");
    };
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends a track until it ends or removeTrack(kind): Video (camera), Screen (getDisplayMedia) or
   * Audio (microphone). One track per kind; a second replaces the first.
   */
  async addTrack(track: MediaStreamTrack, kind: MediaKindCode): Promise<void> {
    if (kind !== MediaKind.Video && kind !== MediaKind.Screen && kind !== MediaKind.Audio)
      throw new RangeError("MediaSession.addTrack: kind must be Video, Screen or Audio");
    if ((kind === MediaKind.Audio) !== (track.kind === "audio"))
      throw new RangeError(`MediaSession.addTrack: a ${track.kind} track cannot be sent as kind ${kind}`);
    this.removeTrack(kind);
    const s = this.sender(kind);
    const processor = new MediaStreamTrackProcessor({ track });
    const reader = processor.readable.getReader() as ReadableStreamDefaultReader<VideoFrame | AudioData>;
    s.reader = reader;
    void (async () => {
      for (;;) {
        let r: ReadableStreamReadResult<VideoFrame | AudioData>;
        try {
          r = await reader.read();
        } catch {
          return;  // cancelled
        }
        if (r.done || this.closed) return;
        if (r.value instanceof VideoFrame) this.sendPicture(r.value, kind);
        else this.sendAudio(r.value);
      }
    })();
  }

  /** Stops sending `kind` (the track itself is the app's to stop). */
  removeTrack(kind: MediaKindCode): void {
    const s = this.senders.get(kind);
    if (s === undefined) return;
    void s.reader?.cancel().catch(() => undefined);
    s.reader = null;
    if (s.encoder !== null && s.encoder.state !== "closed") s.encoder.close();
    s.encoder = null;
  }

  /** Encodes and sends one picture of kind Video or Screen; takes ownership of `frame` (closes it). */
  sendPicture(frame: VideoFrame, kind: MediaKindCode = MediaKind.Video): void {
    const s = this.sender(kind);
    ++s.stats.captured;
    const settings = { ...(kind === MediaKind.Screen ? kDefaultScreen : kDefaultVideo),
                       ...(kind === MediaKind.Screen ? this.opt.screen : this.opt.video) };
    const t = this.now(), interval = 1000 / settings.maxFps;
    const enc = this.videoEncoder(s, frame, settings);
    // Pacing: a picture is due every `interval` ms on average; capture jitter of up to a quarter
    // interval does not skip a picture of a source at exactly maxFps.
    if (enc === null || enc.encodeQueueSize > kMaxEncodeQueue || t < s.nextPictureAt - interval / 4) {
      ++s.stats.encoderSkipped;
      frame.close();
      return;
    }
    s.nextPictureAt = t - s.nextPictureAt > interval ? t + interval : s.nextPictureAt + interval;
    s.capture.set(frame.timestamp, wallClockUs());
    const keyFrame = s.forceKeyframe;
    s.forceKeyframe = false;
    try {
      enc.encode(frame, { keyFrame });
    } catch {
      ++s.stats.encoderSkipped;
      s.forceKeyframe = true;
    }
    frame.close();
  }

  /** Encodes and sends captured sound (any length; Opus packets of 20 ms leave); closes `data`. */
  sendAudio(data: AudioData): void {
    const s = this.sender(MediaKind.Audio);
    ++s.stats.captured;
    let enc = s.encoder as AudioEncoder | null;
    if (enc === null || enc.state === "closed") {
      enc = new AudioEncoder({ output: (chunk) => this.emit(s, chunk, kCodecOpus), error: () => { s.encoder = null; } });
      enc.configure({ codec: "opus", sampleRate: data.sampleRate, numberOfChannels: 1,
                      bitrate: this.opt.audioBitrate ?? 32_000, opus: { frameDuration: 20_000 } } as AudioEncoderConfig);
      s.encoder = enc;
    }
    s.capture.set(data.timestamp, wallClockUs());
    try {
      if (data.numberOfChannels === 1) {
        enc.encode(data);
      } else {  // the first channel, as mono
        const pcm = new Float32Array(data.numberOfFrames);
        data.copyTo(pcm, { planeIndex: 0, format: "f32-planar" });
        const mono = new AudioData({ format: "f32-planar", sampleRate: data.sampleRate, numberOfFrames: data.numberOfFrames,
                                     numberOfChannels: 1, timestamp: data.timestamp, data: pcm });
        enc.encode(mono);
        mono.close();
      }
    } catch {
      ++s.stats.encoderSkipped;
    }
    data.close();
  }

  /** The next picture of `kind` is a keyframe. */
  forceKeyframe(kind: MediaKindCode, why: "request" | "epoch" | "app" = "app"): void {
    const s = this.senders.get(kind);
    if (s === undefined || kind === MediaKind.Audio) return;
    s.forceKeyframe = true;
    if (why === "request") ++s.stats.keyframesOnRequest;
    if (why === "epoch") ++s.stats.keyframesOnEpoch;
  }

  private sender(kind: MediaKindCode): Sender {
    let s = this.senders.get(kind);
    if (s === undefined) {
      s = new Sender(kind);
      this.senders.set(kind, s);
    }
    return s;
  }

  // The encoder of a video sender, (re)configured for the picture's size.
  private videoEncoder(s: Sender, frame: VideoFrame, settings: VideoSettings): VideoEncoder | null {
    const w = frame.displayWidth & ~1, h = frame.displayHeight & ~1;
    let enc = s.encoder as VideoEncoder | null;
    if (enc !== null && enc.state !== "closed" && w === s.width && h === s.height) return enc;
    if (enc !== null && enc.state !== "closed") enc.close();
    if (w < 2 || h < 2) return null;
    enc = new VideoEncoder({ output: (chunk) => this.emit(s, chunk, kCodecVp8),
                             error: () => { s.encoder = null; s.forceKeyframe = true; } });
    enc.configure({ codec: "vp8", width: w, height: h, bitrate: settings.bitrate, framerate: settings.maxFps,
                    latencyMode: "realtime", bitrateMode: "constant" } as VideoEncoderConfig);
    s.encoder = enc;
    s.width = w;
    s.height = h;
    s.forceKeyframe = true;  // a new encoder starts from a keyframe
    return enc;
  }

  // An encoded chunk: header, then the port.
  private emit(s: Sender, chunk: EncodedVideoChunk | EncodedAudioChunk, codec: MediaCodec): void {
    const bytes = new Uint8Array(chunk.byteLength);
    chunk.copyTo(bytes);
    const captureUs = s.capture.get(chunk.timestamp) ?? wallClockUs();
    s.capture.delete(chunk.timestamp);
    if (s.capture.size > 256) s.capture.clear();
    const keyframe = codec === kCodecVp8 && chunk.type === "key";
    const payload = encodeMediaPayload({ codec, seq: s.seq, captureUs }, bytes);
    s.seq = (s.seq + 1) >>> 0;
    void this.port.send({ kind: s.kind, keyframe, payload }).then((ok) => {
      if (ok) {
        ++s.stats.sent;
        s.stats.bytes += bytes.length;
        if (keyframe) ++s.stats.keyframes;
      } else {
        ++s.stats.sendFailed;
        // A frame that did not leave breaks receivers' chains: the next picture is a keyframe.
        if (codec === kCodecVp8) s.forceKeyframe = true;
      }
    });
  }

  // ---------------------------------------------------------------- receiving

  private receive(f: IncomingFrame): void {
    if (this.closed) return;
    if (f.kind === MediaKind.Video || f.kind === MediaKind.Screen) this.receiveVideo(f);
    else if (f.kind === MediaKind.Audio) this.receiveAudio(f);
  }

  private videoStream(slot: number, kind: MediaKindCode): VideoStream {
    const key = `${slot}:${kind}`;
    let s = this.video.get(key);
    if (s === undefined) {
      s = new VideoStream(slot, kind);
      this.video.set(key, s);
    }
    return s;
  }

  private receiveVideo(f: IncomingFrame): void {
    const s = this.videoStream(f.slot, f.kind);
    ++s.stats.received;
    const p = parseMediaPayload(f.payload);
    if (!p.ok) return this.drop(s, "malformed");
    if (p.header.codec !== kCodecVp8) return this.drop(s, "wrong-codec");
    const seq = p.header.seq;
    if (s.lastSeq !== null && !seqFollows(s.lastSeq, seq)) {
      // Frames went missing (or came out of order): the chain is broken.
      ++s.stats.gaps;
      s.needKeyframe = true;
    }
    s.lastSeq = seq;
    // The bitstream, not the clear envelope bit, decides: a sender cannot make a delta pass as a key.
    const key = vp8IsKeyframe(p.codecBytes);
    if (s.needKeyframe && !key) {
      this.askKeyframe(s);
      return this.drop(s, "waiting-keyframe");
    }
    if (s.decoder === null || s.decoder.state === "closed") {
      const dec: VideoDecoder = new VideoDecoder({
        output: (frame) => this.picture(s, frame),
        error: () => {
          // The decoder is closed after an error: a new one, from a keyframe.
          ++s.stats.dropped["decode-error"];
          s.decoder = null;
          s.needKeyframe = true;
          s.pending.clear();
          this.askKeyframe(s);
        },
      });
      dec.configure({ codec: "vp8", optimizeForLatency: true });
      s.decoder = dec;
      if (!key) {
        this.askKeyframe(s);
        return this.drop(s, "waiting-keyframe");
      }
    }
    if (s.decoder.decodeQueueSize > kMaxDecodeQueue) {
      s.needKeyframe = true;
      this.askKeyframe(s);
      return this.drop(s, "queue-full");
    }
    s.needKeyframe = false;
    const ts = s.nextTs++;
    s.pending.set(ts, { seq, captureUs: p.header.captureUs, keyframe: key });
    try {
      s.decoder.decode(new EncodedVideoChunk({ type: key ? "key" : "delta", timestamp: ts, data: p.codecBytes }));
    } catch {
      s.pending.delete(ts);
      s.needKeyframe = true;
      this.askKeyframe(s);
      this.drop(s, "decode-error");
    }
  }

  private picture(s: VideoStream, frame: VideoFrame): void {
    const meta = s.pending.get(frame.timestamp);
    s.pending.delete(frame.timestamp);
    for (const t of s.pending.keys()) if (t < frame.timestamp) s.pending.delete(t);  // skipped by the decoder
    if (meta === undefined || this.closed) {
      frame.close();
      return;
    }
    ++s.stats.decoded;
    if (meta.keyframe) ++s.stats.keyframes;
    if (this.opt.onPicture === undefined) {
      frame.close();
      return;
    }
    this.opt.onPicture({ slot: s.stats.slot, kind: s.stats.kind, keyframe: meta.keyframe, seq: meta.seq,
                         captureUs: meta.captureUs, frame });
  }

  private askKeyframe(s: VideoStream): void {
    const t = this.now();
    if (t - s.askedAt < (this.opt.keyframeRequestIntervalMs ?? 1000)) return;
    s.askedAt = t;
    ++s.stats.keyframeRequests;
    void this.port.requestKeyframe(s.stats.slot, s.stats.kind);
  }

  private drop(s: VideoStream | AudioStream, why: MediaDropReason): void {
    ++s.stats.dropped[why];
  }

  private receiveAudio(f: IncomingFrame): void {
    let s = this.audio.get(f.slot);
    if (s === undefined) {
      s = new AudioStream(f.slot);
      this.audio.set(f.slot, s);
    }
    ++s.stats.received;
    const p = parseMediaPayload(f.payload);
    if (!p.ok) return this.drop(s, "malformed");
    if (p.header.codec !== kCodecOpus) return this.drop(s, "wrong-codec");
    const seq = p.header.seq;
    if (s.lastSeq !== null && !seqFollows(s.lastSeq, seq)) {
      const missing = (seq - s.lastSeq - 1) >>> 0;
      ++s.stats.gaps;
      if (missing < 1000) s.stats.lost += missing;
    }
    s.lastSeq = seq;
    const st = s;
    if (s.decoder === null || s.decoder.state === "closed") {
      const dec: AudioDecoder = new AudioDecoder({
        output: (data) => this.sound(st, data),
        error: () => {
          ++st.stats.dropped["decode-error"];
          st.decoder = null;
          st.pending.clear();
        },
      });
      dec.configure({ codec: "opus", sampleRate: 48_000, numberOfChannels: 1 });
      s.decoder = dec;
    }
    if (s.decoder.decodeQueueSize > kMaxDecodeQueue) return this.drop(s, "queue-full");
    const ts = s.nextTs;
    s.nextTs += 20_000;
    s.pending.set(ts, { seq, captureUs: p.header.captureUs, keyframe: false });
    try {
      s.decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: ts, data: p.codecBytes }));
    } catch {
      s.pending.delete(ts);
      this.drop(s, "decode-error");
    }
  }

  private sound(s: AudioStream, data: AudioData): void {
    const meta = s.pending.get(data.timestamp);
    s.pending.delete(data.timestamp);
    if (meta === undefined || this.closed) {
      data.close();
      return;
    }
    const pcm = new Float32Array(data.numberOfFrames);
    data.copyTo(pcm, { planeIndex: 0, format: "f32-planar" });
    const sampleRate = data.sampleRate;
    data.close();
    ++s.stats.decoded;
    this.opt.onAudio?.({ slot: s.stats.slot, seq: meta.seq, captureUs: meta.captureUs, sampleRate, pcm });
    if (this.opt.playout) this.play(s, pcm, sampleRate);
  }

  // WebAudio playout with a small jitter buffer: each sender's packets are scheduled back to back,
  // `playoutDelayMs` behind the first; a sender who fell behind (late packets) or ran far ahead
  // restarts at the target delay.
  private play(s: AudioStream, pcm: Float32Array<ArrayBuffer>, sampleRate: number): void {
    if (this.ctx === null)
      this.ctx = this.opt.audioContext ?? new AudioContext({ sampleRate: 48_000, latencyHint: "interactive" });
    const ctx = this.ctx;
    const delay = (this.opt.playoutDelayMs ?? 60) / 1000;
    const now = ctx.currentTime;
    if (s.playAt < now + 0.005 || s.playAt > now + 4 * delay + 0.2) {
      if (s.scheduled > 0) ++s.restarts;
      s.playAt = now + delay;
    }
    const buf = ctx.createBuffer(1, pcm.length, sampleRate);
    buf.copyToChannel(pcm, 0);
    const src = ctx.createBufferSource();
    src.buffer = buf;
    src.connect(this.opt.playoutDestination ?? ctx.destination);
    src.start(s.playAt);
    s.playAt += pcm.length / sampleRate;
    ++s.scheduled;
  }

  // ---------------------------------------------------------------- stats and lifetime

  /** Per remote sender and kind: what arrived, what decoded, what was dropped and why. */
  receiveStats(): StreamStats[] {
    const out: StreamStats[] = [];
    for (const s of this.video.values()) out.push({ ...s.stats, dropped: { ...s.stats.dropped } });
    for (const s of this.audio.values()) out.push({ ...s.stats, dropped: { ...s.stats.dropped } });
    return out.sort((a, b) => a.slot - b.slot || a.kind - b.kind);
  }

  /** Per remote sender: the audio playout. */
  playoutStats(): PlayoutStats[] {
    const now = this.ctx?.currentTime ?? 0;
    return [...this.audio.values()].map((s) => ({
      slot: s.stats.slot, scheduled: s.scheduled, restarts: s.restarts,
      bufferedMs: Math.max(0, Math.round((s.playAt - now) * 1000)) }));
  }

  /** Per local kind: what was captured, encoded and sent. */
  sendStats(): SendStats[] {
    return [...this.senders.values()].map((s) => ({ ...s.stats })).sort((a, b) => a.kind - b.kind);
  }

  /** Stops every track, encoder, decoder and the playout; detaches from the port. */
  close(): void {
    this.closed = true;
    for (const k of [...this.senders.keys()]) this.removeTrack(k);
    for (const s of this.video.values()) if (s.decoder !== null && s.decoder.state !== "closed") s.decoder.close();
    for (const s of this.audio.values()) if (s.decoder !== null && s.decoder.state !== "closed") s.decoder.close();
    if (this.opt.audioContext === undefined) void this.ctx?.close();
    this.ctx = null;
    this.port.onFrame = null;
    this.port.onKeyframeRequest = null;
    this.port.onEpoch = null;
  }
}
