"""The pure-PyTorch reference rasterizer: gsplat 1.5.3's `rasterization` ("classic" and
"antialiased" modes, pinhole cameras) re-done with tensor operations, differentiable by
autograd, on any device.

Steps (each one gsplat's rule, from its CUDA kernels):
1. projection: camera-space means and covariances, the EWA Jacobian with gsplat's clamp of
   x/z, y/z to 1.3x the field of view, the 2D covariance plus `eps2d` on its diagonal (the
   low-pass filter), the conic (its inverse); a Gaussian is not drawn when its depth is
   outside [near, far], the determinant is <= 0, its opacity < 1/255, its radius <=
   radius_clip, or its box lies outside the image. Radius = ceil(extend * sqrt(var)) with
   extend = min(3.33, sqrt(2 ln(255 opacity))): past it alpha < 1/255 anyway.
2. tiles: each drawn Gaussian is listed on every tile its box overlaps (gsplat's tile range),
   the lists sorted by depth (ties by index, like gsplat's stable radix sort).
3. compositing, front to back, per pixel of each tile (pixel centres at +0.5):
   alpha = min(0.999, opacity * exp(-0.5 d^T conic d)); skipped when alpha < 1/255 or the
   exponent is negative; the pixel stops before the Gaussian that would bring the
   transmittance T to <= 1e-4; colour = sum c_i a_i T_i + background * T_final.

No per-pixel Python loops: all (tile, Gaussian) pairs are expanded to (pair, pixel-of-tile)
arrays; the transmittance is an exclusive cumulative sum of log(1 - alpha) along the sorted
pairs (in float64, so sums over many tiles keep their precision), restarted at each tile's
first pair. Results do not depend on `tile_size` (only speed and memory do).

Gradients: projection and SH go through autograd; the compositing step is one
autograd.Function whose backward is gsplat's (the same formulas as its CUDA kernel, in
tensor form), which keeps CPU training fast and memory small; gradcheck tests it."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from talkinghead.rasterize.sh import sh_to_color
from talkinghead.rasterize.types import RasterOutput, RasterSettings

ALPHA_THRESHOLD = 1.0 / 255.0
MAX_ALPHA = 0.999
MIN_TRANSMITTANCE = 1e-4
EXTEND = 3.33


def quat_to_rotmat(quats: Tensor) -> Tensor:
    """(..., 3, 3) rotations of wxyz quaternions (..., 4), normalised first."""
    w, x, y, z = F.normalize(quats, dim=-1).unbind(-1)
    rot = torch.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ], dim=-1)
    return rot.reshape(quats.shape[:-1] + (3, 3))


def covariances(quats: Tensor, scales: Tensor) -> Tensor:
    """(..., 3, 3) covariances R S S R^T of quaternions and (activated) scales."""
    m = quat_to_rotmat(quats) * scales[..., None, :]
    return m @ m.transpose(-1, -2)


def project(means: Tensor, covars: Tensor, viewmats: Tensor, Ks: Tensor, opacities: Tensor,
            s: RasterSettings) -> dict[str, Tensor]:
    """Project Gaussians (B, N, ...) into cameras (B, C, ...). Returns means2d (B, C, N, 2),
    conics (B, C, N, 3), depths (B, C, N), opacities (B, C, N) (times the antialiasing
    compensation in that mode) and radii (B, C, N, 2) int32, 0 where not drawn."""
    rot, trans = viewmats[..., :3, :3], viewmats[..., :3, 3]
    means_c = torch.einsum("bcij,bnj->bcni", rot, means) + trans[:, :, None, :]
    covars_c = torch.einsum("bcij,bnjk,bclk->bcnil", rot, covars, rot)
    x, y, z = means_c.unbind(-1)
    in_depth = (z >= s.near_plane) & (z <= s.far_plane)
    # Culled Gaussians may sit at z <= 0: divide by a safe value so no inf/NaN reaches the
    # gradients through the masked branches.
    z = torch.where(in_depth, z, torch.ones_like(z))
    fx, fy = Ks[..., 0, 0, None], Ks[..., 1, 1, None]
    cx, cy = Ks[..., 0, 2, None], Ks[..., 1, 2, None]
    tan_x, tan_y = 0.5 * s.width / fx, 0.5 * s.height / fy
    lim_x_pos, lim_x_neg = (s.width - cx) / fx + 0.3 * tan_x, cx / fx + 0.3 * tan_x
    lim_y_pos, lim_y_neg = (s.height - cy) / fy + 0.3 * tan_y, cy / fy + 0.3 * tan_y
    tx = z * torch.minimum(lim_x_pos, torch.maximum(-lim_x_neg, x / z))
    ty = z * torch.minimum(lim_y_pos, torch.maximum(-lim_y_neg, y / z))
    zero = torch.zeros_like(z)
    jac = torch.stack([fx / z, zero, -fx * tx / (z * z),
                       zero, fy / z, -fy * ty / (z * z)], dim=-1).reshape(z.shape + (2, 3))
    cov2d = jac @ covars_c @ jac.transpose(-1, -2)
    means2d = torch.stack([fx * x / z + cx, fy * y / z + cy], dim=-1)

    a, b, c = cov2d[..., 0, 0], 0.5 * (cov2d[..., 0, 1] + cov2d[..., 1, 0]), cov2d[..., 1, 1]
    det_orig = a * c - b * b
    a, c = a + s.eps2d, c + s.eps2d
    det = a * c - b * b
    det_ok = det > 0
    det = torch.where(det_ok, det, torch.ones_like(det))
    conics = torch.stack([c / det, -b / det, a / det], dim=-1)
    opac = opacities
    if s.rasterize_mode == "antialiased":
        opac = opac * torch.sqrt(torch.clamp_min(det_orig / det, 0.0))

    with torch.no_grad():
        opac_d = opac.detach()
        visible = in_depth & det_ok & (opac_d >= ALPHA_THRESHOLD)
        extend = torch.clamp_max(
            torch.sqrt(2.0 * torch.log(torch.clamp_min(opac_d, ALPHA_THRESHOLD)
                                       / ALPHA_THRESHOLD)), EXTEND)
        rx = torch.ceil(extend * torch.sqrt(torch.clamp_min(a.detach(), 0.0)))
        ry = torch.ceil(extend * torch.sqrt(torch.clamp_min(c.detach(), 0.0)))
        visible &= ~((rx <= s.radius_clip) & (ry <= s.radius_clip))
        mx, my = means2d.detach().unbind(-1)
        visible &= (mx + rx > 0) & (mx - rx < s.width) & (my + ry > 0) & (my - ry < s.height)
        radii = (torch.stack([rx, ry], dim=-1) * visible[..., None]).to(torch.int32)
    return {"means2d": means2d, "conics": conics, "depths": means_c[..., 2],
            "opacities": opac, "radii": radii}


def _tile_pairs(means2d: Tensor, radii: Tensor, depths: Tensor, width: int, height: int,
                tile_size: int) -> dict[str, Tensor | int]:
    """(tile, Gaussian) pairs of images (I, N), sorted by tile then depth. Returns `flat`
    (P,) Gaussian index into I*N, `key` (P,) tile index into I*tiles, `first` / `last` (P,)
    the first / last pair of the same tile, and the tile grid size `tw` x `th`."""
    dev = means2d.device
    n = means2d.shape[1]
    tw, th = math.ceil(width / tile_size), math.ceil(height / tile_size)
    img, gid = (radii > 0).all(dim=-1).nonzero(as_tuple=True)
    mean = means2d[img, gid].double()
    rad = radii[img, gid].double()
    # gsplat's isect_tiles: floor/ceil of (mean -/+ radius) / tile_size, clamped to the grid.
    lo = torch.floor((mean - rad) / tile_size).long()
    hi = torch.ceil((mean + rad) / tile_size).long()
    lo[:, 0].clamp_(0, tw)
    lo[:, 1].clamp_(0, th)
    hi[:, 0].clamp_(0, tw)
    hi[:, 1].clamp_(0, th)
    span = hi - lo
    counts = span[:, 0] * span[:, 1]
    src = torch.repeat_interleave(torch.arange(len(counts), device=dev), counts)
    local = torch.arange(len(src), device=dev) - (torch.cumsum(counts, 0) - counts)[src]
    sx = span[src, 0]
    tx = lo[src, 0] + local % sx
    ty = lo[src, 1] + local // sx
    key = img[src] * (tw * th) + ty * tw + tx
    # Depth rank of each drawn Gaussian (stable: ties keep index order, as gsplat's radix
    # sort over ids emitted in Gaussian order does), then one sort by (tile, rank).
    depth_order = torch.sort(depths[img, gid], stable=True).indices
    rank = torch.empty_like(depth_order)
    rank[depth_order] = torch.arange(len(depth_order), device=dev)
    order = torch.argsort(key * max(len(rank), 1) + rank[src])
    src, key = src[order], key[order]
    _, seg_counts = torch.unique_consecutive(key, return_counts=True)
    seg_start = torch.cumsum(seg_counts, 0) - seg_counts
    first = torch.repeat_interleave(seg_start, seg_counts)
    last = torch.repeat_interleave(seg_start + seg_counts - 1, seg_counts)
    flat = img[src] * n + gid[src]
    return {"flat": flat, "key": key, "first": first, "last": last, "tw": tw, "th": th}


class _Composite(torch.autograd.Function):
    """Front-to-back compositing of (tile, Gaussian) pairs expanded over the tile's pixels,
    with gsplat's backward written out (the same formulas as its CUDA kernel), so the
    autograd graph stores four (pairs x pixels) arrays instead of dozens.

    Pixel offsets are kept separable: dx depends on (pair, column), dy on (pair, row), so
    sigma = 0.5 c0 dx^2 + c1 dx dy + 0.5 c2 dy^2 costs three full-size operations."""

    @staticmethod
    def forward(ctx, means2d: Tensor, conics: Tensor, opacities: Tensor, colors: Tensor,
                pairs: dict, n_img: int, width: int, height: int, tile_size: int
                ) -> tuple[Tensor, Tensor]:
        flat, key, first = pairs["flat"], pairs["key"], pairs["first"]
        con, op = conics[flat], opacities[flat]
        dx, dy = _offsets(means2d[flat], pairs, tile_size)
        sigma = _sigma(con, dx, dy)
        vis = torch.exp(-sigma)
        alpha = torch.clamp_max(op[:, None] * vis, MAX_ALPHA)
        alpha = alpha * ((sigma >= 0) & (alpha >= ALPHA_THRESHOLD))
        log_keep = torch.log1p(-alpha).double()
        before = _cumsum_rows(log_keep) - log_keep
        trans = torch.exp(before - before[first]).to(colors.dtype)
        # The pixel stops before the Gaussian that would take T to <= 1e-4 (exclusive); T
        # never grows along the list, so one test per pair gives gsplat's set.
        included = trans * (1.0 - alpha) > MIN_TRANSMITTANCE
        weight = alpha * trans * included
        shape = (n_img, pairs["th"], pairs["tw"], tile_size, width, height)
        ones = torch.ones_like(colors[:, :1])
        col_acc = _to_images(weight[..., None] * torch.cat([colors, ones], -1)[flat][:, None, :],
                             key, shape)
        ctx.save_for_backward(means2d, conics, opacities, colors, vis, alpha, trans, included)
        ctx.pairs, ctx.shape = pairs, shape
        return col_acc[..., :-1], col_acc[..., -1:]

    @staticmethod
    def backward(ctx, g_col: Tensor, g_acc: Tensor):
        means2d, conics, opacities, colors, vis, alpha, trans, included = ctx.saved_tensors
        pairs, shape = ctx.pairs, ctx.shape
        flat, key, last = pairs["flat"], pairs["key"], pairs["last"]
        tile_size = shape[3]
        g_pix = _to_pairs(torch.cat([g_col, g_acc], -1), key, shape)  # (P, tt, D + 1)
        col = colors[flat]
        weight = alpha * trans * included
        # d out / d w_k per pixel, then the sum of w_j g_j over the later pairs j > k.
        g_w = torch.einsum("pld,pd->pl", g_pix[..., :-1], col) + g_pix[..., -1]
        running = _cumsum_rows((weight * g_w).double())
        later = (running[last] - running).to(alpha.dtype)
        g_alpha = included * (trans * g_w - later / (1.0 - alpha))
        g_colors_p = torch.einsum("pl,pld->pd", weight, g_pix[..., :-1])

        con, op = conics[flat], opacities[flat]
        raw = op[:, None] * vis
        # As gsplat: no gradient through the 0.999 clamp or where the pair was skipped.
        g_alpha = g_alpha * ((alpha > 0) & (raw <= MAX_ALPHA))
        g_op = (vis * g_alpha).sum(1)
        g_sigma = (-raw * g_alpha).reshape(-1, tile_size, tile_size)  # (P, row, column)
        dx, dy = _offsets(means2d[flat], pairs, tile_size)
        col_sum, row_sum = g_sigma.sum(1), g_sigma.sum(2)  # over rows -> (P, column), ...
        s_x, s_y = (col_sum * dx).sum(1), (row_sum * dy).sum(1)
        s_xx, s_yy = (col_sum * dx * dx).sum(1), (row_sum * dy * dy).sum(1)
        s_xy = torch.einsum("pyx,px,py->p", g_sigma, dx, dy)
        g_mu = torch.stack([con[:, 0] * s_x + con[:, 1] * s_y,
                            con[:, 1] * s_x + con[:, 2] * s_y], -1)
        g_con = torch.stack([0.5 * s_xx, s_xy, 0.5 * s_yy], -1)

        def scatter(values: Tensor, like: Tensor) -> Tensor:
            return torch.zeros_like(like).index_add_(0, flat, values.to(like.dtype))

        return (scatter(g_mu, means2d), scatter(g_con, conics), scatter(g_op, opacities),
                scatter(g_colors_p, colors), None, None, None, None, None)


def _cumsum_rows(x: Tensor, block: int = 32) -> Tensor:
    """torch.cumsum(x, dim=0) of a (P, k) array, as a triangular matrix product within
    blocks of rows plus the running block totals: the same sums, several times faster than
    torch's CPU scan along dim 0."""
    p, k = x.shape
    pad = (-p) % block
    blocks = F.pad(x, (0, 0, 0, pad)).reshape(-1, block, k)
    tri = torch.ones(block, block, dtype=x.dtype, device=x.device).tril()
    within = torch.matmul(tri, blocks)
    totals = within[:, -1, :]
    offsets = torch.cumsum(totals, dim=0) - totals
    return (within + offsets[:, None, :]).reshape(-1, k)[:p]


def _offsets(mu: Tensor, pairs: dict, tile_size: int) -> tuple[Tensor, Tensor]:
    """mean - pixel centre, (P, tile_size) along the tile's columns (x) and rows (y);
    pixel centres at +0.5 (gsplat's convention)."""
    tw, th = pairs["tw"], pairs["th"]
    tile = pairs["key"] % (tw * th)
    step = torch.arange(tile_size, device=mu.device, dtype=mu.dtype) + 0.5
    ox = ((tile % tw) * tile_size).to(mu.dtype)
    oy = ((tile // tw) * tile_size).to(mu.dtype)
    return (mu[:, 0] - ox)[:, None] - step, (mu[:, 1] - oy)[:, None] - step


def _sigma(con: Tensor, dx: Tensor, dy: Tensor) -> Tensor:
    """(P, tt) 0.5 d^T conic d over each tile's pixels, row-major (row = y)."""
    a = 0.5 * con[:, 0:1] * dx * dx  # (P, column)
    b = 0.5 * con[:, 2:3] * dy * dy  # (P, row)
    cross = (con[:, 1:2] * dy)[:, :, None] * dx[:, None, :]
    return (cross + a[:, None, :] + b[:, :, None]).reshape(len(con), -1)


def _to_images(values: Tensor, key: Tensor, shape: tuple) -> Tensor:
    """Sum (P, tt, k) per-pair pixel values into images (I, H, W, k)."""
    n_img, th, tw, ts, width, height = shape
    k = values.shape[-1]
    out = torch.zeros(n_img * th * tw, ts * ts, k, device=values.device, dtype=values.dtype)
    out.index_add_(0, key, values)
    out = out.reshape(n_img, th, tw, ts, ts, k).permute(0, 1, 3, 2, 4, 5)
    return out.reshape(n_img, th * ts, tw * ts, k)[:, :height, :width]


def _to_pairs(images: Tensor, key: Tensor, shape: tuple) -> Tensor:
    """The inverse layout of `_to_images`: (I, H, W, k) -> (P, tt, k) for each pair's tile."""
    n_img, th, tw, ts, width, height = shape
    k = images.shape[-1]
    padded = F.pad(images, (0, 0, 0, tw * ts - width, 0, th * ts - height))
    tiles = padded.reshape(n_img, th, ts, tw, ts, k).permute(0, 1, 3, 2, 4, 5)
    return tiles.reshape(n_img * th * tw, ts * ts, k)[key]


def composite(means2d: Tensor, conics: Tensor, opacities: Tensor, colors: Tensor,
              depths: Tensor, radii: Tensor, width: int, height: int, tile_size: int
              ) -> tuple[Tensor, Tensor]:
    """Alpha-composite projected Gaussians of I images, front to back. Inputs are (I, N, ...);
    returns colours (I, H, W, D) without background and accumulated alpha (I, H, W, 1)."""
    n_img, n, dim = colors.shape
    with torch.no_grad():
        pairs = _tile_pairs(means2d.detach(), radii, depths.detach(), width, height, tile_size)
    if len(pairs["flat"]) == 0:
        # Nothing drawn: zeros, still part of the graph so a loss can call backward().
        anchor = 0.0 * (means2d.sum() + conics.sum() + opacities.sum() + colors.sum())
        zeros = torch.zeros(n_img, height, width, dim + 1, device=colors.device,
                            dtype=colors.dtype) + anchor
        return zeros[..., :dim], zeros[..., dim:]
    return _Composite.apply(means2d.reshape(-1, 2), conics.reshape(-1, 3),
                            opacities.reshape(-1), colors.reshape(-1, dim), pairs, n_img,
                            width, height, tile_size)


def rasterization(means: Tensor, quats: Tensor, scales: Tensor, opacities: Tensor,
                  colors: Tensor, viewmats: Tensor, Ks: Tensor, backgrounds: Tensor | None,
                  s: RasterSettings) -> RasterOutput:
    """The reference of gsplat.rasterization for inputs checked by types.check_inputs."""
    batch = tuple(means.shape[:-2])
    n, c = means.shape[-2], viewmats.shape[-3]
    b = math.prod(batch)
    means_b = means.reshape(b, n, 3)
    viewmats_b = viewmats.reshape(b, c, 4, 4)
    covars = covariances(quats.reshape(b, n, 4), scales.reshape(b, n, 3))
    opac = opacities.reshape(b, 1, n).expand(b, c, n)
    proj = project(means_b, covars, viewmats_b, Ks.reshape(b, c, 3, 3), opac, s)

    if s.sh_degree is None:
        per_camera = colors.dim() == len(batch) + 3
        cols = colors.reshape((b, c, n, -1) if per_camera else (b, 1, n, -1)).expand(b, c, n, -1)
    else:
        per_camera = colors.dim() == len(batch) + 4
        k = colors.shape[-2]
        coeffs = colors.reshape((b, c, n, k, 3) if per_camera else (b, 1, n, k, 3))
        campos = torch.linalg.inv(viewmats_b)[..., :3, 3]
        dirs = means_b[:, None, :, :] - campos[:, :, None, :]
        cols = sh_to_color(s.sh_degree, dirs, coeffs.expand(b, c, n, k, 3))

    # The means2d tensor handed out in meta is the one the compositing reads, so
    # `retain_grad()` on it sees the image-plane gradients (densification uses them).
    means2d = proj["means2d"].reshape(batch + (c, n, 2))
    radii = proj["radii"].reshape(batch + (c, n, 2))
    i = b * c
    cols = cols.reshape(i, n, -1)
    depth_c = proj["depths"].reshape(i, n)
    if s.render_depth:
        # Depth is composited as one more channel (background 0), as gsplat does.
        cols = torch.cat([cols, depth_c[..., None]], dim=-1)
    col, acc = composite(means2d.reshape(i, n, 2), proj["conics"].reshape(i, n, 3),
                         proj["opacities"].reshape(i, n), cols, depth_c,
                         radii.reshape(i, n, 2), s.width, s.height, s.tile_size)
    dep = None
    if s.render_depth:
        col, dep = col[..., :-1], col[..., -1:]
    if backgrounds is not None:
        bg = backgrounds.reshape((i, 1, 1, -1) if backgrounds.dim() == len(batch) + 2
                                 else (i, s.height, s.width, -1))
        col = col + bg * (1.0 - acc)
    depths = None
    if dep is not None:
        depths = (dep / acc.clamp_min(1e-10)).reshape(batch + (c, s.height, s.width, 1))
    meta = {"means2d": means2d, "radii": radii, "depths": proj["depths"].reshape(batch + (c, n)),
            "width": s.width, "height": s.height, "n_cameras": c, "backend": "torch"}
    return RasterOutput(col.reshape(batch + (c, s.height, s.width, -1)),
                        acc.reshape(batch + (c, s.height, s.width, 1)), depths, meta)
