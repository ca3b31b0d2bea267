// The live pages' reading of a decoded picture for the test-pattern check (meet.ts, meeting.ts): the
// module's reader (codec/test_pattern.h) takes I420, and the code grid is luma only.

/** The luma of a decoded picture as an I420 picture with neutral chroma (the code grid is luma only). */
export async function i420Of(frame: VideoFrame): Promise<{ y: Uint8Array; u: Uint8Array; v: Uint8Array; w: number; h: number } | null> {
  const w = frame.visibleRect?.width ?? frame.displayWidth, h = frame.visibleRect?.height ?? frame.displayHeight;
  const fmt = frame.format;
  if (fmt === null || w <= 0 || h <= 0) return null;
  const buf = new Uint8Array(frame.allocationSize());
  const layout = await frame.copyTo(buf);
  const y = new Uint8Array(w * h);
  const p0 = layout[0]!;
  if (fmt === "I420" || fmt === "I420A" || fmt === "NV12" || fmt === "I422" || fmt === "I444") {
    for (let r = 0; r < h; ++r) y.set(buf.subarray(p0.offset + r * p0.stride, p0.offset + r * p0.stride + w), r * w);
  } else {  // RGBA / RGBX / BGRA / BGRX -> BT.601 limited-range luma
    const bgr = fmt.startsWith("BGR");
    for (let r = 0; r < h; ++r) {
      for (let c = 0; c < w; ++c) {
        const i = p0.offset + r * p0.stride + 4 * c;
        const R = buf[bgr ? i + 2 : i]!, G = buf[i + 1]!, B = buf[bgr ? i : i + 2]!;
        y[r * w + c] = Math.round(16 + (65.738 * R + 129.057 * G + 25.064 * B) / 256);
      }
    }
  }
  const c = Math.floor((w + 1) / 2) * Math.floor((h + 1) / 2);
  return { y, u: new Uint8Array(c).fill(128), v: new Uint8Array(c).fill(128), w, h };
}
