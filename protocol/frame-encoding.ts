// How a rendered frame travels (protocol 1.3, PROTOCOL.md section 4, render): the names a
// client may ask for and a server lists in hello / list_envs. Kept free of Node modules so the
// browser page can import it.

/**
 * `raw`: height x width x 3 RGB bytes, row-major (the 1.2 frame). `zlib`: those bytes as one
 * zlib stream (RFC 1950). `png`: a PNG file (8-bit RGB, no interlace, any filters).
 */
export const FRAME_ENCODINGS = ['raw', 'zlib', 'png'] as const;
export type FrameEncoding = (typeof FRAME_ENCODINGS)[number];

export function isFrameEncoding(value: unknown): value is FrameEncoding {
  return typeof value === 'string' && (FRAME_ENCODINGS as readonly string[]).includes(value);
}

/**
 * The encodings a server offers, from its hello (or list_envs) result: a server before 1.3 lists
 * none, and sends raw frames only.
 */
export function offeredEncodings(result: { render_encodings?: readonly string[] } | null | undefined): FrameEncoding[] {
  const listed = result?.render_encodings;
  if (!Array.isArray(listed)) return ['raw'];
  const known = listed.filter(isFrameEncoding);
  return known.includes('raw') ? known : ['raw', ...known];
}

/** The first of `preferred` the server offers, else raw (which every server sends). */
export function pickEncoding(offered: readonly string[], preferred: readonly FrameEncoding[]): FrameEncoding {
  return preferred.find((e) => offered.includes(e)) ?? 'raw';
}
