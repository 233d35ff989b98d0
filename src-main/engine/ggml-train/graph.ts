/**
 * A typed graph builder over ggml ops for the training step: every tensor carries its ggml shape
 * (`ne`, fastest dimension first, as ggml stores it) so shape mistakes fail here, in TypeScript, with
 * a message, instead of in a GGML_ASSERT that aborts the process. Only F32 activations are built.
 *
 * ggml conventions used throughout: mul_mat(a [K, M], b [K, N]) = [M, N] contracts over ne0 of both;
 * out_prod(a [M, N], b [P, N]) = [M, P] contracts over ne1.
 */
import { GGML_PREC_F32, GgmlType, type TensorPtr } from '../ggml/ffi';
import type { GgmlLibrary } from '../ggml/library';
import type { GgmlContext } from '../ggml/owners';

export type Ne = [number, number, number, number];

export interface T {
  readonly p: TensorPtr;
  readonly ne: Ne;
}

const F32 = GgmlType.F32;

function ne4(ne: number[]): Ne {
  const out: Ne = [1, 1, 1, 1];
  ne.forEach((n, i) => (out[i] = n));
  return out;
}

function same(a: Ne, b: Ne): boolean {
  return a.every((n, i) => n === b[i]);
}

export function numel(ne: Ne): number {
  return ne[0] * ne[1] * ne[2] * ne[3];
}

export class GraphBuilder {
  private readonly b: GgmlLibrary['base'];
  private readonly c: GgmlContext['ptr'];

  /**
   * `stridedMatmulSrc0`: the backend reads a strided view as MUL_MAT's first operand correctly (cpu).
   * ggml-vulkan 0.23.0 reads a view with a shortened dimension 1 as if it were contiguous (wrong
   * results on lavapipe), so elsewhere the view is copied first.
   */
  constructor(
    lib: GgmlLibrary,
    ctx: GgmlContext,
    private readonly stridedMatmulSrc0 = false,
  ) {
    this.b = lib.base;
    this.c = ctx.ptr;
  }

  private wrap(p: TensorPtr, ne: Ne): T {
    if (!p) throw new Error('ggml returned no tensor (context full?)');
    return { p, ne };
  }

  /** A tensor whose data the caller uploads before each compute. */
  input(ne: number[], name: string, type: number = F32): T {
    const full = ne4(ne);
    const p = this.b.ggml_new_tensor(this.c, type, 4, BigInt64Array.from(full.map(BigInt)));
    this.b.ggml_set_name(p, name);
    this.b.ggml_set_input(p);
    return this.wrap(p, full);
  }

  /** A tensor used only for its shape (repeat/repeat_back/get_rows_back targets): never computed or allocated. */
  shapeOnly(ne: number[]): T {
    const full = ne4(ne);
    return this.wrap(this.b.ggml_new_tensor(this.c, F32, 4, BigInt64Array.from(full.map(BigInt))), full);
  }

  output(t: T, name: string): T {
    this.b.ggml_set_name(t.p, name);
    this.b.ggml_set_output(t.p);
    return t;
  }

  mulMat(a: T, b: T): T {
    if (a.ne[0] !== b.ne[0] || b.ne[2] % a.ne[2] !== 0 || b.ne[3] % a.ne[3] !== 0) throw new Error(`mul_mat [${a.ne}] x [${b.ne}]`);
    const p = this.b.ggml_mul_mat(this.c, a.p, b.p);
    // Full f32 accumulation: the GPU backends otherwise may accumulate in f16, which costs the
    // gradients ~1e-3 relative on the fixture (measured on Vulkan/lavapipe).
    this.b.ggml_mul_mat_set_prec(p, GGML_PREC_F32);
    return this.wrap(p, [a.ne[1], b.ne[1], b.ne[2], b.ne[3]]);
  }

  outProd(a: T, b: T): T {
    if (a.ne[1] !== b.ne[1]) throw new Error(`out_prod [${a.ne}] x [${b.ne}]`);
    return this.wrap(this.b.ggml_out_prod(this.c, a.p, b.p), [a.ne[0], b.ne[0], b.ne[2], b.ne[3]]);
  }

  private broadcastable(a: T, b: T, op: string): void {
    if (!a.ne.every((n, i) => n % b.ne[i] === 0)) throw new Error(`${op} [${a.ne}] with [${b.ne}]`);
  }

  add(a: T, b: T): T {
    this.broadcastable(a, b, 'add');
    return this.wrap(this.b.ggml_add(this.c, a.p, b.p), a.ne);
  }

  sub(a: T, b: T): T {
    this.broadcastable(a, b, 'sub');
    return this.wrap(this.b.ggml_sub(this.c, a.p, b.p), a.ne);
  }

  mul(a: T, b: T): T {
    this.broadcastable(a, b, 'mul');
    return this.wrap(this.b.ggml_mul(this.c, a.p, b.p), a.ne);
  }

  scale(a: T, s: number): T {
    return this.wrap(this.b.ggml_scale(this.c, a.p, s), a.ne);
  }

  sqr(a: T): T {
    return this.wrap(this.b.ggml_sqr(this.c, a.p), a.ne);
  }

  sum(a: T): T {
    return this.wrap(this.b.ggml_sum(this.c, a.p), [1, 1, 1, 1]);
  }

  tanh(a: T): T {
    return this.wrap(this.b.ggml_tanh(this.c, a.p), a.ne);
  }

  sumRows(a: T): T {
    return this.wrap(this.b.ggml_sum_rows(this.c, a.p), [1, a.ne[1], a.ne[2], a.ne[3]]);
  }

  /** Contiguous copy of the [from, from + n) slice of dimension 0 of a contiguous 2-D F32 tensor. */
  slice0(a: T, from: number, n: number): T {
    const nb1 = 4 * a.ne[0];
    const v = this.b.ggml_view_4d(this.c, a.p, n, a.ne[1], 1, 1, nb1, nb1 * a.ne[1], nb1 * a.ne[1], from * 4);
    return this.cont(this.wrap(v, [n, a.ne[1], 1, 1]));
  }

  silu(a: T): T {
    return this.wrap(this.b.ggml_silu(this.c, a.p), a.ne);
  }

  /** d silu(x) given the upstream gradient. */
  siluBack(grad: T, x: T): T {
    return this.wrap(this.b.ggml_silu_back(this.c, grad.p, x.p), x.ne);
  }

  rmsNorm(x: T, eps: number): T {
    return this.wrap(this.b.ggml_rms_norm(this.c, x.p, eps), x.ne);
  }

  rmsNormBack(grad: T, x: T, eps: number): T {
    return this.wrap(this.b.ggml_rms_norm_back(this.c, grad.p, x.p, eps), x.ne);
  }

  cont(a: T): T {
    return this.wrap(this.b.ggml_cont(this.c, a.p), a.ne);
  }

  reshape(a: T, ne: number[]): T {
    const full = ne4(ne);
    if (numel(full) !== numel(a.ne)) throw new Error(`reshape [${a.ne}] to [${full}]`);
    return this.wrap(this.b.ggml_reshape_4d(this.c, a.p, ...full), full);
  }

  /** ggml_permute: dimension i of `a` moves to position axes[i]. */
  permute(a: T, axes: Ne): T {
    const ne: Ne = [1, 1, 1, 1];
    axes.forEach((to, i) => (ne[to] = a.ne[i]));
    return this.wrap(this.b.ggml_permute(this.c, a.p, ...axes), ne);
  }

  /** Contiguous transpose of the first two dimensions. */
  transposed(a: T): T {
    return this.cont(this.wrap(this.b.ggml_transpose(this.c, a.p), [a.ne[1], a.ne[0], a.ne[2], a.ne[3]]));
  }

  /** Contiguous slice [from, from + n) of dimension 1 of a contiguous F32 tensor. */
  slice1(a: T, from: number, n: number): T {
    const nb1 = 4 * a.ne[0];
    const nb2 = nb1 * a.ne[1];
    const nb3 = nb2 * a.ne[2];
    const v = this.b.ggml_view_4d(this.c, a.p, a.ne[0], n, a.ne[2], a.ne[3], nb1, nb2, nb3, from * nb1);
    return this.cont(this.wrap(v, [a.ne[0], n, a.ne[2], a.ne[3]]));
  }

  /** The first `n` rows (dimension 1) of a contiguous F32 tensor, as MUL_MAT's first operand. */
  firstRows(a: T, n: number): T {
    if (n === a.ne[1]) return a;
    const nb1 = 4 * a.ne[0];
    const v = this.b.ggml_view_4d(this.c, a.p, a.ne[0], n, a.ne[2], a.ne[3], nb1, nb1 * a.ne[1], nb1 * a.ne[1] * a.ne[2], 0);
    return this.stridedOrCopy(this.wrap(v, [a.ne[0], n, a.ne[2], a.ne[3]]));
  }

  /** The first `n` entries of each row (dimension 0) of a contiguous F32 tensor, as MUL_MAT's first operand. */
  firstCols(a: T, n: number): T {
    if (n === a.ne[0]) return a;
    const nb1 = 4 * a.ne[0];
    const v = this.b.ggml_view_4d(this.c, a.p, n, a.ne[1], a.ne[2], a.ne[3], nb1, nb1 * a.ne[1], nb1 * a.ne[1] * a.ne[2], 0);
    return this.stridedOrCopy(this.wrap(v, [n, a.ne[1], a.ne[2], a.ne[3]]));
  }

  private stridedOrCopy(view: T): T {
    return this.stridedMatmulSrc0 ? view : this.cont(view);
  }

  /** `a` with `p` zero rows appended to dimension 1. */
  pad1(a: T, p: number): T {
    return this.wrap(this.b.ggml_pad(this.c, a.p, 0, p, 0, 0), [a.ne[0], a.ne[1] + p, a.ne[2], a.ne[3]]);
  }

  concat(a: T, b: T, dim: number): T {
    const ne = [...a.ne] as Ne;
    ne[dim] += b.ne[dim];
    return this.wrap(this.b.ggml_concat(this.c, a.p, b.p, dim), ne);
  }

  /** Tiles `a` to the shape of `like`. */
  repeat(a: T, like: T): T {
    return this.wrap(this.b.ggml_repeat(this.c, a.p, like.p), like.ne);
  }

  /** Sums `a` down to the shape of `like` (the backward of repeat). */
  repeatBack(a: T, like: T): T {
    return this.wrap(this.b.ggml_repeat_back(this.c, a.p, like.p), like.ne);
  }

  getRows(a: T, idx: T): T {
    return this.wrap(this.b.ggml_get_rows(this.c, a.p, idx.p), [a.ne[0], idx.ne[0], 1, 1]);
  }

  getRowsBack(grad: T, idx: T, like: T): T {
    return this.wrap(this.b.ggml_get_rows_back(this.c, grad.p, idx.p, like.p), [like.ne[0], like.ne[1], 1, 1]);
  }

  rope(a: T, pos: T, nDims: number, base: number, freqScale: number, freqFactors: T | null, back = false): T {
    const fn = back ? this.b.ggml_rope_ext_back : this.b.ggml_rope_ext;
    // mode 2 = NEOX (rotate halves, as transformers' rotate_half); no YaRN (ext_factor 0, attn_factor 1).
    return this.wrap(fn(this.c, a.p, pos.p, freqFactors?.p ?? null, nDims, 2, 0, base, freqScale, 0, 1, 32, 1), a.ne);
  }

  softMax(a: T, mask: T | null, scale: number): T {
    return this.wrap(this.b.ggml_soft_max_ext(this.c, a.p, mask?.p ?? null, scale, 0), a.ne);
  }

  softMaxBack(grad: T, y: T, scale: number): T {
    return this.wrap(this.b.ggml_soft_max_ext_back(this.c, grad.p, y.p, scale, 0), y.ne);
  }

  /** Mean over rows of -sum(labels * log_softmax(logits)), a scalar. */
  crossEntropy(logits: T, labels: T): T {
    if (!same(logits.ne, labels.ne)) throw new Error(`cross_entropy [${logits.ne}] vs [${labels.ne}]`);
    return this.wrap(this.b.ggml_cross_entropy_loss(this.c, logits.p, labels.p), [1, 1, 1, 1]);
  }

  /** (softmax(logits) - labels) * grad / rows. */
  crossEntropyBack(grad: T, logits: T, labels: T): T {
    return this.wrap(this.b.ggml_cross_entropy_loss_back(this.c, grad.p, logits.p, labels.p), logits.ne);
  }

  /** dst <- src (in place on dst's memory); the returned node must be in the graph. */
  copyInto(src: T, dst: T): T {
    if (numel(src.ne) !== numel(dst.ne)) throw new Error(`cpy [${src.ne}] -> [${dst.ne}]`);
    return this.wrap(this.b.ggml_cpy(this.c, src.p, dst.p), dst.ne);
  }

  adamw(param: T, grad: T, m: T, v: T, hyper: T): T {
    return this.wrap(this.b.ggml_opt_step_adamw(this.c, param.p, grad.p, m.p, v.p, hyper.p), param.ne);
  }
}
