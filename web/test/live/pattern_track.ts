// What one receiver decoded of one sender's test pattern (src/codec/test_pattern.h, read in the
// module): the live media page keeps one PatternTrack per sender. Pure logic, also run by node
// (test/media.test.ts).
import type { PatternInfo } from "../../src/wasm.js";

export interface SenderResult {
  slot: number;
  pictures: number;
  badPictures: number;
  unreadable: number;
  wrongSender: number;
  notRising: number;
  firstFrame: number | null;
  lastFrame: number | null;
  wraps: number;
  screenPictures: number;
  audioPackets: number;
  frequency: number;
  expected: number;
}

/**
 * Frame numbers of one sender's pattern: each must be above the last, or, for a looping source of
 * `loop` frames (a browser's Y4M), may restart near 0 after the end ("rising modulo the loop").
 */
export class PatternTrack {
  readonly r: SenderResult;
  constructor(slot: number, expected: number, private readonly loop: number) {
    this.r = { slot, pictures: 0, badPictures: 0, unreadable: 0, wrongSender: 0, notRising: 0, firstFrame: null,
               lastFrame: null, wraps: 0, screenPictures: 0, audioPackets: 0, frequency: 0, expected };
  }

  add(info: PatternInfo | null): void {
    ++this.r.pictures;
    if (info === null) {
      ++this.r.unreadable;
      ++this.r.badPictures;
      return;
    }
    if (info.sender !== this.r.slot) {
      ++this.r.wrongSender;
      ++this.r.badPictures;
      return;
    }
    if (this.loop > 0 && info.frame >= this.loop) {  // not a frame of the file
      ++this.r.notRising;
      ++this.r.badPictures;
      return;
    }
    const last = this.r.lastFrame;
    if (last !== null && info.frame <= last) {
      const wrapped = this.loop > 0 && last >= this.loop - 30 && info.frame < 30;
      if (!wrapped) {
        ++this.r.notRising;
        ++this.r.badPictures;
        return;
      }
      ++this.r.wraps;
    }
    this.r.firstFrame ??= info.frame;
    this.r.lastFrame = info.frame;
  }
}

