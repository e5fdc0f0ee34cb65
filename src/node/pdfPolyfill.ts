/**
 * What pdf.js's text path asks of a browser, for Node 20 without the optional native
 * `@napi-rs/canvas` (never needed nor shipped): `DOMMatrix`, `ImageData` and `Path2D` exist as
 * small stand-ins (text extraction never draws). Imported first by src/node/pdfTextWorker.ts, before
 * pdf.js itself loads. pdf.js's own console warnings go to the host's log instead of the terminal.
 */
class DOMMatrixStandIn {
  a = 1;
  b = 0;
  c = 0;
  d = 1;
  e = 0;
  f = 0;
  constructor(init?: readonly number[]) {
    if (Array.isArray(init) && init.length >= 6) [this.a, this.b, this.c, this.d, this.e, this.f] = init as [number, number, number, number, number, number];
  }
  multiplySelf(m: DOMMatrixStandIn): this {
    const { a, b, c, d, e, f } = this;
    this.a = a * m.a + c * m.b;
    this.b = b * m.a + d * m.b;
    this.c = a * m.c + c * m.d;
    this.d = b * m.c + d * m.d;
    this.e = a * m.e + c * m.f + e;
    this.f = b * m.e + d * m.f + f;
    return this;
  }
  preMultiplySelf(m: DOMMatrixStandIn): this {
    const copy = new DOMMatrixStandIn([m.a, m.b, m.c, m.d, m.e, m.f]).multiplySelf(this);
    [this.a, this.b, this.c, this.d, this.e, this.f] = [copy.a, copy.b, copy.c, copy.d, copy.e, copy.f];
    return this;
  }
  translate(x = 0, y = 0): DOMMatrixStandIn {
    return new DOMMatrixStandIn([this.a, this.b, this.c, this.d, this.e, this.f]).multiplySelf(new DOMMatrixStandIn([1, 0, 0, 1, x, y]));
  }
  scale(x = 1, y = x): DOMMatrixStandIn {
    return new DOMMatrixStandIn([this.a, this.b, this.c, this.d, this.e, this.f]).multiplySelf(new DOMMatrixStandIn([x, 0, 0, y, 0, 0]));
  }
  invertSelf(): this {
    const det = this.a * this.d - this.b * this.c;
    if (!det) return this;
    const { a, b, c, d, e, f } = this;
    [this.a, this.b, this.c, this.d, this.e, this.f] = [d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det];
    return this;
  }
}

class ImageDataStandIn {
  constructor(
    readonly data: Uint8ClampedArray,
    readonly width: number,
    readonly height: number,
  ) {}
}

class Path2DStandIn {
  addPath(): void {}
  moveTo(): void {}
  lineTo(): void {}
  bezierCurveTo(): void {}
  quadraticCurveTo(): void {}
  rect(): void {}
  closePath(): void {}
}

const g = globalThis as Record<string, unknown>;
g.DOMMatrix ??= DOMMatrixStandIn;
g.ImageData ??= ImageDataStandIn;
g.Path2D ??= Path2DStandIn;

/** pdf.js's warnings (console.log / console.warn in this worker), kept for the host's log. */
export const pdfWarnings: string[] = [];
const keep = (...args: unknown[]) => {
  if (pdfWarnings.length < 200) pdfWarnings.push(args.map(String).join(' ').slice(0, 500));
};
console.log = keep;
console.warn = keep;
console.info = keep;
