// Draws the frames the server sends on a canvas: PNG files through the browser's own decoder
// (createImageBitmap, off the main thread), raw rgb_array bytes (height x width x 3, row-major;
// a server before protocol 1.3) through ImageData, whose pixels are RGBA: the alpha bytes are
// set once and kept while the size stays the same. Decodes finish in any order; a frame whose
// decode ends after a later frame was drawn is dropped, so the picture never goes back in time.
import type { PageFrame } from './remote-env.ts';

export class FrameCanvas {
  private image: ImageData | null = null;
  private readonly ctx: CanvasRenderingContext2D;
  /** Sequence numbers: of the last frame handed to draw(), and of the last one on the canvas. */
  private issued = 0;
  private shown = 0;

  constructor(readonly canvas: HTMLCanvasElement) {
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('this browser has no 2D canvas');
    this.ctx = ctx;
  }

  /** Resolves true once the frame is on the canvas, false when a later one got there first. */
  async draw(frame: PageFrame): Promise<boolean> {
    const seq = ++this.issued;
    if (frame.encoding === 'png') {
      const bitmap = await createImageBitmap(new Blob([frame.data as BlobPart], { type: 'image/png' }), {
        colorSpaceConversion: 'none',
        premultiplyAlpha: 'none',
      });
      if (seq < this.shown) {
        bitmap.close();
        return false;
      }
      this.resize(bitmap.width, bitmap.height);
      this.ctx.drawImage(bitmap, 0, 0);
      bitmap.close();
    } else if (frame.encoding === 'raw') {
      this.drawRaw(frame);
    } else {
      throw new Error(`the page cannot draw '${frame.encoding}' frames`);
    }
    this.shown = seq;
    return true;
  }

  private resize(width: number, height: number): void {
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
  }

  private drawRaw(frame: PageFrame): void {
    const { width, height, data } = frame;
    if (data.length !== width * height * 3)
      throw new RangeError(`frame of ${width}x${height} has ${data.length} bytes, not ${width * height * 3}`);
    if (this.image === null || this.image.width !== width || this.image.height !== height) {
      this.resize(width, height);
      this.image = this.ctx.createImageData(width, height);
      this.image.data.fill(255);
    }
    rgbToRgba(data, this.image.data);
    this.ctx.putImageData(this.image, 0, 0);
  }
}

/** Copies RGB triples into the RGB bytes of RGBA quads, leaving the alpha bytes as they are. */
function rgbToRgba(rgb: Uint8Array, rgba: Uint8ClampedArray): void {
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
  }
}
